/**
 * Settings a deployed function reads from its environment, set by serverless.yml from ops.config.yml.
 * Parsed once per container, when the function builds its dependencies at its first invocation; a missing
 * or malformed variable fails that invocation with the variable's name. Each capability's readers live in its
 * own module, so a bundle builds only the config schemas its capability reads (zod schemas are built at load:
 * an unused one still costs bytes and init time).
 */
import * as z from 'zod/mini';
import { dynamoDbClient } from '../aws/dynamodb-client.js';

export const Name = z.string().check(z.minLength(1));

export const WholeNumber = z.pipe(
  z.string().check(z.regex(/^\d+$/, 'expected a whole number')),
  z.transform(Number),
);

/** A JSON document in one variable: serverless.yml passes validated config sections this way. */
export function jsonSection<T extends z.ZodMiniType>(schema: T) {
  return z.pipe(
    z.pipe(
      z.string().check(z.minLength(2)),
      z.transform((text, context) => {
        try {
          return JSON.parse(text) as unknown;
        } catch (error) {
          context.issues.push({
            code: 'custom',
            message: `not JSON: ${(error as Error).message}`,
            input: text,
          });
          return z.NEVER;
        }
      }),
    ),
    schema,
  );
}

/** A reader of one function's environment, with the variable's name in its error. */
export function environmentOf<T extends z.ZodMiniType>(schema: T) {
  return (env: NodeJS.ProcessEnv = process.env): z.infer<T> => {
    const parsed = z.safeParse(schema, env);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new Error(
      `environment variable ${issue?.path.join('.')}: ${issue?.message}; redeploy with serverless.yml`,
    );
  };
}

/** The state table a function's environment names: its name, a DynamoDB client, how long history is kept. */
export const stateTableOf = (env: { STATE_TABLE: string; RETENTION_HISTORY_DAYS: number }) => ({
  tableName: env.STATE_TABLE,
  client: dynamoDbClient(),
  retentionDays: env.RETENTION_HISTORY_DAYS,
});
