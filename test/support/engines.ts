/**
 * For integration suites: the engines started by global-engines.ts, and a fresh, empty state table on one.
 *
 *   describe.each(engines())('Store on $name', (engine) => { ... freshStore(engine) ... })
 */
import { randomUUID } from 'node:crypto';
import { inject, it } from 'vitest';
import { StateStore } from '../../lib/platform/store/state-store.js';
import { ensureStateTable, localClient } from '../../local/dynamodb/local-engine.js';
import type { EngineEndpoint } from './global-engines.js';

export const engines = (): EngineEndpoint[] => inject('engines');

/** Registers a skipped test that says why, when the engine is missing; returns whether it is usable. */
export function requireEngine(engine: EngineEndpoint): engine is EngineEndpoint & { endpoint: string } {
  if (engine.endpoint !== undefined) return true;
  it(`runs on ${engine.name}`, ({ skip }) => skip(engine.unavailable));
  return false;
}

/** A new table with the state table's definition, on the given engine. */
export async function freshStore(engine: EngineEndpoint & { endpoint: string }): Promise<StateStore> {
  const client = localClient(engine.endpoint);
  const tableName = `state-${randomUUID()}`;
  await ensureStateTable(client, tableName);
  return new StateStore({ tableName, client });
}
