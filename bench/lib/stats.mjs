// Small numeric helpers shared by the suites.
export function median(values) {
  const xs = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

export function round(value, digits = 1) {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** agentcrate / peer, or null when either side is missing; the table says which way is better. */
export function ratio(ours, theirs, digits = 2) {
  if (ours === null || theirs === null || ours === undefined || theirs === undefined || theirs === 0)
    return null;
  return round(ours / theirs, digits);
}

/** The median of each numeric field over repeated runs of the same measurement. */
export function medianOf(samples) {
  const out = {};
  const keys = new Set(samples.flatMap((s) => Object.keys(s ?? {})));
  for (const key of keys) {
    const values = samples.map((s) => s?.[key]);
    out[key] = values.every((v) => typeof v === 'number')
      ? median(values)
      : values.find((v) => v !== undefined);
  }
  return out;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
