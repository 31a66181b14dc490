/** Bad usage or unusable input: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A command that could not do its work for a reason the user can act on (nothing to connect to, AWS refused):
 * the CLI prints the message, no stack, and exits 1.
 */
export class CommandFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandFailure';
  }
}

/** Refuses a command's missing or unknown subcommand, showing the one form it has (`cron next "<expression>"`). */
export function requireSubcommand(command: string, subcommand: string | undefined, usage: string): void {
  const [expected] = usage.split(' ');
  if (subcommand === expected) return;
  throw new UsageError(
    subcommand === undefined
      ? `${command} needs a subcommand: ecs-ops ${command} ${usage}`
      : `unknown ${command} subcommand ${subcommand}; expected ecs-ops ${command} ${usage}`,
  );
}
