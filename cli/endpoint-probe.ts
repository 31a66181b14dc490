/** Is a local endpoint (the sandbox's, a test's) running where the CLI was pointed? One short request says. */
import { CommandFailure } from './usage.js';

/** How long a local endpoint has to answer before it counts as not running. */
const PROBE_MS = 3_000;

/** Resolves when something answers at `url`; rejects with `no local endpoint answers at <url> (<why>)`. */
export async function probeEndpoint(url: string): Promise<void> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PROBE_MS) });
    await response.body?.cancel();
  } catch (error) {
    const why = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new Error(`no local endpoint answers at ${url} (${why})`);
  }
}

/** The same, failing the command (exit 1) with `whatToDo` after the reason. */
export async function requireEndpoint(url: string, whatToDo: string): Promise<void> {
  try {
    await probeEndpoint(url);
  } catch (error) {
    throw new CommandFailure(`${(error as Error).message}${whatToDo}`);
  }
}
