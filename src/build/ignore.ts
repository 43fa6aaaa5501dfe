/**
 * `.dockerignore` (pure): docker's pattern rules (moby/patternmatcher).
 * One pattern a line, `#` comments, paths cleaned and made relative to the
 * context; `*` and `?` stay within one path element, `**` crosses any
 * number; `!` re-includes; the last matching pattern wins; a pattern that
 * matches a directory matches everything below it. The Dockerfile and the
 * ignore file are sent anyway (docker re-includes them) unless a pattern
 * names them exactly.
 */
import path from 'node:path';

export interface Pattern { text: string; exclusion: boolean; re: RegExp }

function clean(p: string): string {
  const c = path.posix.normalize(p).replace(/^\/+/, '').replace(/\/+$/, '');
  return c === '.' ? '' : c;
}

function toRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') { i++; re += '(.*/)?'; } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) { re += '\\['; continue; }
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^') || cls.startsWith('!')) cls = '^' + cls.slice(1);
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += pattern[++i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

/** The patterns of an ignore file's text. */
export function parseIgnore(text: string): Pattern[] {
  const out: Pattern[] = [];
  for (let line of text.split(/\r?\n/)) {
    if (line.startsWith('#')) continue;
    line = line.trim();
    if (!line) continue;
    const exclusion = line.startsWith('!');
    if (exclusion) line = line.slice(1).trim();
    const text = clean(line);
    if (!text) continue;
    out.push({ text, exclusion, re: toRegExp(text) });
  }
  return out;
}

/** Whether `rel` (a context-relative path) or one of its parent directories matches. */
function matchesOrParent(p: Pattern, rel: string): boolean {
  if (p.re.test(rel)) return true;
  for (let d = path.posix.dirname(rel); d !== '.' && d !== '/'; d = path.posix.dirname(d)) if (p.re.test(d)) return true;
  return false;
}

/** docker's evaluation: the last applicable pattern decides. */
export function isIgnored(patterns: Pattern[], relPath: string): boolean {
  const rel = clean(relPath);
  if (!rel) return false;
  let matched = false;
  for (const p of patterns) {
    if (p.exclusion !== matched) continue;
    if (matchesOrParent(p, rel)) matched = !p.exclusion;
  }
  return matched;
}

/** A filter for the context: the Dockerfile and ignore file stay unless named exactly. */
export function contextFilter(patterns: Pattern[], keep: string[]): (relPath: string) => boolean {
  const named = new Set(patterns.filter((p) => !p.exclusion).map((p) => p.text));
  const always = new Set(keep.map(clean).filter((k) => k && !named.has(k)));
  return (rel) => always.has(clean(rel)) || !isIgnored(patterns, rel);
}

/**
 * Which ignore file applies: `<Dockerfile>.dockerignore` beside the
 * Dockerfile first (BuildKit/podman), then `.dockerignore` (or
 * `.containerignore`) at the context root. Returns candidate paths in order.
 */
export function ignoreFileCandidates(contextDir: string, dockerfile: string): string[] {
  return [`${dockerfile}.dockerignore`, path.join(contextDir, '.dockerignore'), path.join(contextDir, '.containerignore')];
}
