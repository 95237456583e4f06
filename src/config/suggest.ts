/**
 * "Did you mean" for names the user typed: the closest candidate by Damerau–Levenshtein
 * distance (optimal string alignment, so a swapped pair of letters costs one edit), accepted
 * only when it is close enough that the suggestion is likely what was meant.
 */

/** Edit distance where insert, delete, substitute and swapping two adjacent letters cost 1. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  const cols = b.length + 1;
  // Three rolling rows are enough for the transposition lookback.
  let prev2 = new Array<number>(cols).fill(0);
  let prev = new Array<number>(cols);
  let cur = new Array<number>(cols);
  for (let j = 0; j < cols; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, prev2[j - 2]! + 1);
      }
      cur[j] = best;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `name`, if it is within 2 edits or a third of the name's length
 * (whichever allows more), and not a complete rewrite. Case-only differences always match.
 */
export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const d = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  if (best === undefined) return undefined;
  // A one- or two-letter name "matches" almost anything within 2 edits ('n' → 'END'): for
  // those one edit at most, and never a complete rewrite.
  const limit = name.length < 3 ? 1 : Math.max(2, Math.floor(name.length / 3));
  if (bestDistance > limit || bestDistance >= Math.max(name.length, best.length)) return undefined;
  return best;
}

/** " — did you mean 'x'?" or '' — appended to messages so the hint is visible without tooling. */
export function didYouMean(suggestion: string | undefined): string {
  return suggestion === undefined ? '' : ` — did you mean '${suggestion}'?`;
}
