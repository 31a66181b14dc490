import { runCli } from './main.js';

// The SDK warns on every run under Node 20 that its 2027 releases need Node 22; package.json's engines and
// the README say so once instead.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.exitCode = await runCli(process.argv.slice(2));
