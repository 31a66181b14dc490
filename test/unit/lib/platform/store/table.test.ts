import { describe, expect, it } from 'vitest';
import {
  groupKey,
  INDEX,
  KEY,
  SHORT_ID_LENGTH,
  shortIdKey,
  shortIdKeyOf,
  stageOfTable,
  stateTableDefinition,
  stateTableName,
} from '../../../../../lib/platform/store/table.js';

describe('stateTableName and stageOfTable', () => {
  it.each(['dev', 'prod', 'eu-prod', 'local'])(
    'names the table of stage %s and reads the stage back',
    (stage) => {
      expect(stageOfTable(stateTableName(stage))).toBe(stage);
    },
  );

  it('reads no stage from a table of another stack', () => {
    expect(stageOfTable('orders')).toBeUndefined();
  });
});

describe('stateTableDefinition', () => {
  const definition = stateTableDefinition('state');

  it('defines every key attribute once, though byShortId sorts by the table’s own partition key', () => {
    // Act
    const names = (definition.AttributeDefinitions ?? []).map((attribute) => attribute.AttributeName);

    // Assess
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain(KEY.partition);
    expect(names).toContain(INDEX.byShortId.partition);
  });

  it('has one KEYS_ONLY index per access pattern', () => {
    // Act
    const indexes = definition.GlobalSecondaryIndexes ?? [];

    // Assess
    expect(indexes.map((index) => index.IndexName)).toEqual(['byStatus', 'byGroup', 'byHost', 'byShortId']);
    expect(indexes.every((index) => index.Projection?.ProjectionType === 'KEYS_ONLY')).toBe(true);
    expect(indexes.find((index) => index.IndexName === 'byShortId')?.KeySchema).toEqual([
      { AttributeName: 'shortIdKey', KeyType: 'HASH' },
      { AttributeName: KEY.partition, KeyType: 'RANGE' },
    ]);
  });
});

describe('index keys', () => {
  it('keeps a group’s live bucket under the key it always had, and moves stopped tasks to its STOPPED bucket', () => {
    expect(groupKey('prod', 'service:web', 'live')).toBe('prod|service:web');
    expect(groupKey('prod', 'service:web', 'STOPPED')).toBe('prod|service:web|STOPPED');
  });

  it('partitions byShortId by the first 8 characters of an id or a longer prefix', () => {
    expect(SHORT_ID_LENGTH).toBe(8);
    expect(shortIdKey('task', 'b8309449c0ffee')).toBe('task|b8309449');
    expect(shortIdKey('container-instance', 'b8309449')).toBe('container-instance|b8309449');
  });

  it('gives a latest item’s key its short id unless the key is too long to sort an index by', () => {
    expect(shortIdKeyOf('task/b8309449c0ffee')).toBe('task|b8309449');
    expect(shortIdKeyOf('container-instance/1c462d635d829a53')).toBe('container-instance|1c462d63');
    expect(shortIdKeyOf(`task/${'a'.repeat(1019)}`)).toBe('task|aaaaaaaa');
    expect(shortIdKeyOf(`task/${'a'.repeat(1020)}`)).toBeUndefined();
    expect(shortIdKeyOf(`task/${'é'.repeat(510)}`)).toBeUndefined();
  });
});
