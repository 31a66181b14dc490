import { runCli } from './main.js';

// The SDK warns on every run under Node 20 that its 2027 releases need Node 22; package.json's engines and
// the README say so once instead.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// `ecs-ops tasks | head` closes the pipe early: the reader has what it wanted, so stop quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});
process.exitCode = await runCli(process.argv.slice(2));
