/** Labels as docker takes them: `-l KEY=VALUE` (KEY alone: empty value) and `--label-file` (KEY=VALUE lines, `#` comments). */
import fs from 'node:fs';
import { UsageError } from '../errors.ts';

function parseLabel(spec: string, where: string): [string, string] {
  const i = spec.indexOf('=');
  const key = (i < 0 ? spec : spec.slice(0, i)).trim();
  if (!key) throw new UsageError(`invalid label \`${spec}\`${where}: the key is empty`);
  if (/\s/.test(key)) throw new UsageError(`invalid label \`${spec}\`${where}: the key contains whitespace`);
  return [key, i < 0 ? '' : spec.slice(i + 1)];
}

/** The lines of a label file that carry a label. */
export function readLabelFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`reading label file \`${file}\`: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return text.split(/\r?\n/).map((l) => l.replace(/^\s+/, '')).filter((l) => l && !l.startsWith('#'));
}

/** Files first, then flags (a flag overrides a file's value for the same key). */
export function collectLabels(files: string[], flags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files) for (const l of readLabelFile(f)) { const [k, v] = parseLabel(l, ` in \`${f}\``); out[k] = v; }
  for (const l of flags) { const [k, v] = parseLabel(l, ''); out[k] = v; }
  return out;
}
