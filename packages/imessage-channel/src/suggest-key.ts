/** "Did you mean" suggestions for misspelt config keys. */

/** Optimal-string-alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
  for (let i = 0; i < rows; i++) d[i]![0] = i;
  for (let j = 0; j < cols; j++) d[0]![j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate closest to `input`, or `undefined` when none is close enough. Case differences count as
 * an exact hit; otherwise the distance must be at most a third of the longer word (at least 1, at most 3).
 */
export function suggestKey(input: string, candidates: readonly string[]): string | undefined {
  const lower = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate.toLowerCase() === lower) return candidate;
    const distance = editDistance(lower, candidate.toLowerCase());
    const limit = Math.min(3, Math.max(1, Math.floor(Math.max(input.length, candidate.length) / 3)));
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * The one wording of an unknown-key problem, used by every config check (the gateway's and the
 * channel's): `unknown key; did you mean "x"?`, else `unknown key; valid keys here: a, b`.
 */
export function unknownKeyMessage(options: {
  suggestion?: string | undefined;
  valid?: readonly string[];
}): string {
  if (options.suggestion) return `unknown key; did you mean "${options.suggestion}"?`;
  const valid = options.valid ?? [];
  return valid.length > 0 ? `unknown key; valid keys here: ${valid.join(", ")}` : "unknown key";
}
