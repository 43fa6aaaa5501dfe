/** WWW-Authenticate challenge parsing (RFC 7235) for the registry token flow. */

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses a WWW-Authenticate header; scheme is lowercased, parameter names too. */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  let i = 0;
  const s = header;
  const skipWs = () => { while (i < s.length && /[\s,]/.test(s[i])) i++; };
  while (i < s.length) {
    skipWs();
    const m = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+/.exec(s.slice(i));
    if (!m) break;
    const scheme = m[0].toLowerCase();
    i += m[0].length;
    const params: Record<string, string> = {};
    for (;;) {
      while (i < s.length && /\s/.test(s[i])) i++;
      const pm = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*/.exec(s.slice(i));
      if (!pm) break;
      i += pm[0].length;
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i++];
        }
        i++;
      } else {
        const vm = /^[^,\s]*/.exec(s.slice(i))!;
        value = vm[0];
        i += value.length;
      }
      params[pm[1].toLowerCase()] = value;
      while (i < s.length && /\s/.test(s[i])) i++;
      if (s[i] === ',') {
        i++;
        // A following token without '=' starts the next challenge.
        const look = /^\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+\s*(=)?/.exec(s.slice(i));
        if (look && !look[1]) break;
      }
    }
    out.push({ scheme, params });
  }
  return out;
}
