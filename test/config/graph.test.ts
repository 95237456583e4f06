import { describe, expect, it } from 'vitest';
import { edgeTargets, LOOP_PREFIX, loopCounterKey, Reachability, reach } from '../../src/config/graph.js';
import type { Edge } from '../../src/config/types.js';
import { prng } from '../support/mutate.js';

/** Reachability along at least one edge, the slow obvious way (a search per question). */
function slowCanReach(graph: Map<string, Set<string>>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [...(graph.get(from) ?? [])];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const next of graph.get(id) ?? []) stack.push(next);
  }
  return false;
}

function chain(n: number): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>([['START', new Set(['n0'])]]);
  for (let i = 0; i + 1 < n; i++) g.set(`n${i}`, new Set([`n${i + 1}`]));
  return g;
}

describe('edgeTargets', () => {
  it('lists every node each edge form can lead to, END included', () => {
    const edges: Edge[] = [
      { kind: 'direct', index: 0, from: 'a', to: ['b', 'c'] },
      {
        kind: 'routes',
        index: 1,
        from: 'b',
        routes: [
          { condition: { source: 'x', expr: { kind: 'literal', value: true } }, to: 'c' },
          { condition: null, to: 'END' },
        ],
      },
      { kind: 'loop', index: 2, from: 'c', conditionField: 'done', maxIterations: 3, exitTo: 'd' },
      { kind: 'parallel', index: 3, from: 'd', itemsField: 'i', targetNode: 'e', collectField: 'o' },
    ];
    expect(edges.map(edgeTargets)).toEqual([['b', 'c'], ['c', 'END'], ['c', 'd'], ['e']]);
  });

  it('names loop counters with the prefix templates and conditions use', () => {
    expect(loopCounterKey('review')).toBe('_loop_iteration_review');
    expect(loopCounterKey('review').startsWith(LOOP_PREFIX)).toBe(true);
  });
});

describe('reach', () => {
  it('includes the start nodes and everything after them', () => {
    const g = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['x', new Set(['a'])],
    ]);
    expect([...reach(['a'], g)].sort()).toEqual(['a', 'b', 'c']);
  });
});

describe('Reachability', () => {
  it('answers like a search per question on random graphs with cycles and self-loops', () => {
    const rand = prng(7);
    for (let round = 0; round < 60; round++) {
      const n = 2 + Math.floor(rand() * 25);
      const g = new Map<string, Set<string>>();
      const edges = Math.floor(rand() * n * 2);
      for (let e = 0; e < edges; e++) {
        const from = `v${Math.floor(rand() * n)}`;
        const to = `v${Math.floor(rand() * n)}`;
        const set = g.get(from) ?? new Set<string>();
        set.add(to);
        g.set(from, set);
      }
      const r = new Reachability(g);
      // Ask in a random order so cached answers from earlier questions are exercised.
      const pairs: Array<[string, string]> = [];
      for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) pairs.push([`v${a}`, `v${b}`]);
      pairs.sort(() => rand() - 0.5);
      for (const [a, b] of pairs)
        expect(r.canReach(a, b), `${a} → ${b} in round ${round}`).toBe(slowCanReach(g, a, b));
    }
  });

  it('says a node reaches itself only through a cycle', () => {
    const r = new Reachability(
      new Map([
        ['a', new Set(['b'])],
        ['b', new Set(['b', 'c'])],
        ['c', new Set(['d'])],
        ['d', new Set(['c'])],
      ]),
    );
    expect(r.canReach('a', 'a')).toBe(false);
    expect(r.canReach('b', 'b')).toBe(true);
    expect(r.canReach('c', 'c')).toBe(true);
    expect(r.canReach('d', 'c')).toBe(true);
    expect(r.canReach('c', 'b')).toBe(false);
    expect(r.canReach('a', 'unknown')).toBe(false);
  });

  it('does linear work on a chain: building, and asking about one target from every node', () => {
    const work = (n: number): { build: number; ask: number } => {
      const r = new Reachability(chain(n));
      const build = r.work;
      for (let i = 0; i < n; i++) expect(r.canReach(`n${i}`, `n${n - 1}`)).toBe(i < n - 1);
      expect(r.canReach('START', `n${n - 1}`)).toBe(true);
      expect(r.canReach(`n${n - 1}`, 'n0')).toBe(false);
      return { build, ask: r.work - build };
    };
    for (const n of [2000, 8000]) {
      const { build, ask } = work(n);
      // n + 1 vertices and n edges: each is visited a small constant number of times.
      expect(build).toBeLessThanOrEqual(4 * (2 * n + 1));
      expect(ask).toBeLessThanOrEqual(2 * n);
    }
  });

  it('handles a 40,000-node chain without recursion (no stack overflow)', () => {
    const r = new Reachability(chain(40_000));
    expect(r.canReach('n0', 'n39999')).toBe(true);
    expect(r.canReach('n39999', 'n0')).toBe(false);
  });
});
