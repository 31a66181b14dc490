/** Runs one `ecs-ops` command line in-process, as the suites do, with its output captured. */
import { runCli } from '../../cli/main.js';

export async function runCaptured(
  argv: readonly string[],
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}
