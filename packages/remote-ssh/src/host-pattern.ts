/** Matches one OpenSSH wildcard pattern (`*` any run, `?` one character), case-insensitively. */
export function matchWildcard(pattern: string, value: string): boolean {
  const p = pattern.toLowerCase();
  const v = value.toLowerCase();
  // Iterative glob match with single-star backtracking (as OpenSSH's match_pattern does, without recursion).
  let pi = 0;
  let vi = 0;
  let starP = -1;
  let starV = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === "?" || p[pi] === v[vi])) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === "*") {
      starP = pi++;
      starV = vi;
    } else if (starP >= 0) {
      pi = starP + 1;
      vi = ++starV;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === "*") pi++;
  return pi === p.length;
}

/**
 * Matches a list of patterns as OpenSSH does for `Host` lines and known_hosts host fields: a negated
 * pattern (`!pat`) that matches vetoes the whole list; otherwise any positive match wins.
 */
export function matchPatternList(patterns: readonly string[], value: string): boolean {
  let matched = false;
  for (const raw of patterns) {
    if (raw.startsWith("!")) {
      if (matchWildcard(raw.slice(1), value)) return false;
    } else if (matchWildcard(raw, value)) {
      matched = true;
    }
  }
  return matched;
}
