/**
 * The benchmark's DynamoDB engine process: the embedded engine ecs-ops ships (local/dynamodb/local-engine.ts), in
 * memory. Importing that module is what teaches dynalite to return the item that failed a condition, so the
 * engine is started through it rather than through dynalite directly. Runs in its own process so the engine has
 * a core of its own instead of sharing the event loop with the code under test. Prints {"endpoint": url} once
 * listening; exits with its parent.
 */
import { startLocalEngine } from '../local/dynamodb/local-engine.js';

const engine = await startLocalEngine();
process.stdout.write(`${JSON.stringify({ endpoint: engine.endpoint })}\n`);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
