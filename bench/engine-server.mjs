// The benchmark's DynamoDB engine: dynalite in memory, in its own process so it has a core of its own rather
// than sharing the event loop with the code under test. Prints {"port": n} once listening; exits with its parent.
import dynalite from 'dynalite';

const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
