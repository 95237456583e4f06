import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatSchemaJson } from '../../src/config/index.js';

describe('schema/workflow.schema.json', () => {
  it('is the schema `agentcrate schema` prints (regenerate with: npx agentcrate schema > schema/workflow.schema.json)', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../schema/workflow.schema.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(formatSchemaJson());
  });
});
