import { describe, expect, it } from 'vitest';
import { parseTemplate } from '../../src/config/index.js';
import { renderTemplate, scopeLookup } from '../../src/engine/template-render.js';
import { AgentcrateError } from '../../src/errors.js';

const state: Record<string, unknown> = {
  topic: 'AI safety',
  count: 3,
  ratio: 0.5,
  ok: true,
  nothing: null,
  tags: ['a', 'b'],
  profile: { name: 'Ada', address: { city: 'London' } },
  categories: { tech: 2 },
  _loop_iteration_review: 1,
};
const inputs: Record<string, unknown> = { topic: 'input topic', extra: { note: 'n' } };

const render = (source: string, i: Record<string, unknown> = inputs): string =>
  renderTemplate(parseTemplate(source), scopeLookup(i, state));

describe('renderTemplate', () => {
  const cases: Array<[string, string]> = [
    ['plain', 'plain'],
    ['About {topic}.', 'About input topic.'],
    ['About {state.topic}.', 'About AI safety.'],
    ['{count} items', '3 items'],
    ['{ratio}', '0.5'],
    ['{ok}', 'true'],
    ['{nothing}', 'null'],
    ['{tags}', '["a","b"]'],
    ['{profile}', '{"name":"Ada","address":{"city":"London"}}'],
    ['{profile.name} from {state.profile.address.city}', 'Ada from London'],
    ['{categories.tech}', '2'],
    ['{extra.note}', 'n'],
    ['round {_loop_iteration_review}', 'round 1'],
    ['Reply as {"answer": "..."} about {topic}', 'Reply as {"answer": "..."} about input topic'],
    ['{{topic}} is literal', '{topic} is literal'],
    ['{{{topic}}}', '{input topic}'],
  ];
  it.each(cases)('%j → %j', (source, expected) => {
    expect(render(source)).toBe(expected);
  });

  it('throws E_INVALID_INPUT naming the placeholder when nothing matches', () => {
    const attempts = ['{unknown}', '{state.extra}', '{profile.age}', '{nothing.deeper}', '{topic.length}'];
    for (const source of attempts) {
      let caught: unknown;
      try {
        render(source);
      } catch (e) {
        caught = e;
      }
      expect(caught, source).toBeInstanceOf(AgentcrateError);
      expect((caught as AgentcrateError).code).toBe('E_INVALID_INPUT');
      expect((caught as AgentcrateError).message).toContain(source);
    }
  });
});

describe('scopeLookup', () => {
  const lookup = scopeLookup(inputs, state);
  const cases: Array<[string[], { found: boolean; value: unknown }]> = [
    [['topic'], { found: true, value: 'input topic' }],
    [['state', 'topic'], { found: true, value: 'AI safety' }],
    [['count'], { found: true, value: 3 }],
    [['nothing'], { found: true, value: null }],
    [['profile', 'address', 'city'], { found: true, value: 'London' }],
    [['state', 'extra'], { found: false, value: undefined }],
    [['missing'], { found: false, value: undefined }],
    [['tags', 'length'], { found: false, value: undefined }],
    [['toString'], { found: false, value: undefined }],
    [[], { found: false, value: undefined }],
  ];
  it.each(cases)('%j', (path, expected) => {
    expect(lookup(path)).toEqual(expected);
  });

  it('lets an input shadow a state field even for deeper paths', () => {
    const shadow = scopeLookup({ profile: { nick: 'A' } }, state);
    expect(shadow(['profile', 'nick'])).toEqual({ found: true, value: 'A' });
    expect(shadow(['profile', 'name'])).toEqual({ found: false, value: undefined });
    expect(shadow(['state', 'profile', 'name'])).toEqual({ found: true, value: 'Ada' });
  });

  it('reads a field literally named state when it stands alone', () => {
    expect(scopeLookup({}, { state: 'x' })(['state'])).toEqual({ found: true, value: 'x' });
  });
});
