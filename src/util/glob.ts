/**
 * Redis's glob matcher (stringmatchlen): `*`, `?`, `[abc]`, `[^a-z]`, `[!a]`
 * and `\x` escapes, over latin1 strings. Used by KEYS, SCAN MATCH, PUBSUB
 * patterns, CONFIG GET and CLIENT KILL. Like Redis it bounds recursion so a
 * hostile pattern cannot blow the stack.
 */

export function globMatch(pattern: string, str: string, nocase = false): boolean {
  const skipLongerMatches = { v: false };
  return matchAt(pattern, 0, str, 0, nocase, skipLongerMatches, 0);
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

function matchAt(p: string, pi: number, s: string, si: number, nocase: boolean, skip: { v: boolean }, nesting: number): boolean {
  // Protection against abusive patterns (as Redis 7.0).
  if (nesting > 1000) return false;
  const plen = p.length, slen = s.length;
  while (pi < plen && si < slen) {
    const pc = p.charCodeAt(pi);
    switch (pc) {
      case 42: { // '*'
        while (pi + 1 < plen && p.charCodeAt(pi + 1) === 42) pi++;
        if (pi + 1 === plen) return true; // trailing star matches the rest
        while (si < slen) {
          if (matchAt(p, pi + 1, s, si, nocase, skip, nesting + 1)) return true;
          if (skip.v) return false;
          si++;
        }
        // No match for the rest: a longer prefix for `*` cannot help either.
        skip.v = true;
        return false;
      }
      case 63: // '?'
        si++;
        break;
      case 91: { // '['
        pi++;
        const not = p[pi] === '^';
        if (not) pi++;
        let match = false;
        const raw = s.charCodeAt(si);
        const c = nocase ? lower(raw) : raw;
        for (;;) {
          if (pi >= plen) {
            pi--; // unterminated class: stay on the last char, as Redis
            break;
          }
          const cc = p.charCodeAt(pi);
          if (cc === 92 && pi + 1 < plen) { // '\'
            pi++;
            if (p.charCodeAt(pi) === raw) match = true; // escaped: compared as is, even with nocase
          } else if (cc === 93) { // ']'
            break;
          } else if (pi + 2 < plen && p.charCodeAt(pi + 1) === 45) { // range a-z
            let start = p.charCodeAt(pi), end = p.charCodeAt(pi + 2);
            if (start > end) [start, end] = [end, start];
            if (nocase) {
              start = lower(start);
              end = lower(end);
            }
            pi += 2;
            if (c >= start && c <= end) match = true;
          } else {
            if ((nocase ? lower(cc) : cc) === c) match = true;
          }
          pi++;
        }
        if (not) match = !match;
        if (!match) return false;
        si++;
        break;
      }
      case 92: // '\'
        if (pi + 1 < plen) pi++;
      // fall through
      default: {
        const a = p.charCodeAt(pi), b = s.charCodeAt(si);
        if (nocase ? lower(a) !== lower(b) : a !== b) return false;
        si++;
        break;
      }
    }
    pi++;
    if (si === slen) {
      while (pi < plen && p.charCodeAt(pi) === 42) pi++;
      break;
    }
  }
  return pi === plen && si === slen;
}
