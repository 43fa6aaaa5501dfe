/** Container environment: image Env, then --env-file, then -e, docker's precedence. */
import fs from 'node:fs';
import { UsageError } from '../errors.ts';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Parses an --env-file: KEY=VALUE lines, `#` comments, bare KEY taken from the host. */
export function parseEnvFile(text: string, hostEnv: NodeJS.ProcessEnv): string[] {
  return text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() && !l.trimStart().startsWith('#'))
    .flatMap((l) => expandEnvArg(l.trimStart(), hostEnv));
}

/** `-e KEY=VALUE` as given; `-e KEY` takes the host's value, or nothing if unset. */
export function expandEnvArg(arg: string, hostEnv: NodeJS.ProcessEnv): string[] {
  if (arg.includes('=')) {
    if (arg.startsWith('=')) throw new UsageError(`invalid environment variable \`${arg}\``);
    return [arg];
  }
  const v = hostEnv[arg];
  return v === undefined ? [] : [`${arg}=${v}`];
}

export function readEnvFile(file: string, hostEnv: NodeJS.ProcessEnv): string[] {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (err) {
    throw new UsageError(`reading env file \`${file}\`: ${(err as NodeJS.ErrnoException).code}`);
  }
  return parseEnvFile(text, hostEnv);
}

/** Merges KEY=VALUE lists; later lists override earlier keys, order of first appearance kept. */
export function mergeEnv(...lists: string[][]): string[] {
  const map = new Map<string, string>();
  for (const list of lists) {
    for (const kv of list) {
      const i = kv.indexOf('=');
      const k = i < 0 ? kv : kv.slice(0, i);
      map.set(k, kv);
    }
  }
  return [...map.values()];
}

export function envValue(env: string[], key: string): string | undefined {
  const hit = env.findLast((kv) => kv.startsWith(`${key}=`));
  return hit?.slice(key.length + 1);
}
