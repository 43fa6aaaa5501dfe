/**
 * `--change` / `-c` for commit and import: the Dockerfile instructions that
 * only touch the config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME,
 * WORKDIR, STOPSIGNAL, ONBUILD), applied to an image config's `config`.
 */
import { type TspodError, UsageError } from '../errors.ts';

export type ContainerConfig = Record<string, any>;

function bad(change: string, why: string): TspodError {
  return new UsageError(`invalid --change \`${change}\`: ${why}`);
}

/** The JSON form `["a","b"]`, or the shell form wrapped in `/bin/sh -c`. */
function execForm(value: string, change: string): string[] {
  const v = value.trim();
  if (v.startsWith('[')) {
    let arr: unknown;
    try { arr = JSON.parse(v); } catch { throw bad(change, 'not a JSON array'); }
    if (!Array.isArray(arr) || arr.some((x) => typeof x !== 'string')) throw bad(change, 'not a JSON array of strings');
    return arr as string[];
  }
  return ['/bin/sh', '-c', v];
}

function unquote(s: string): string {
  return /^".*"$|^'.*'$/.test(s) ? s.slice(1, -1) : s;
}

/** `k=v k2="v 2"` pairs, or the old `KEY value` form. */
function pairs(value: string, change: string): Array<[string, string]> {
  const v = value.trim();
  if (!/^[^\s=]+=/.test(v)) {
    const m = /^(\S+)\s+(.*)$/.exec(v);
    if (!m) throw bad(change, 'needs KEY=VALUE');
    return [[m[1], m[2]]];
  }
  const out: Array<[string, string]> = [];
  for (const m of v.matchAll(/("(?:[^"\\]|\\.)*"|[^\s=]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) out.push([unquote(m[1]), unquote(m[2])]);
  return out;
}

/** Returns a copy of `config` with the changes applied, in order. */
export function applyChanges(config: ContainerConfig, changes: string[]): ContainerConfig {
  const c: ContainerConfig = structuredClone(config ?? {});
  for (const change of changes) {
    const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(change);
    if (!m) throw bad(change, 'want INSTRUCTION VALUE');
    const [, word, value] = m;
    switch (word.toUpperCase()) {
      case 'CMD': c.Cmd = execForm(value, change); break;
      case 'ENTRYPOINT': c.Entrypoint = execForm(value, change); break;
      case 'ENV': {
        const env: string[] = c.Env ?? [];
        for (const [k, v] of pairs(value, change)) {
          const i = env.findIndex((e) => e.split('=')[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`; else env.push(`${k}=${v}`);
        }
        c.Env = env;
        break;
      }
      case 'LABEL': {
        c.Labels = c.Labels ?? {};
        for (const [k, v] of pairs(value, change)) c.Labels[unquote(k)] = v;
        break;
      }
      case 'EXPOSE':
        c.ExposedPorts = c.ExposedPorts ?? {};
        for (const p of value.trim().split(/\s+/)) {
          if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/.test(p)) throw bad(change, `bad port \`${p}\``);
          c.ExposedPorts[p.includes('/') ? p : `${p}/tcp`] = {};
        }
        break;
      case 'USER': c.User = value.trim(); break;
      case 'WORKDIR': c.WorkingDir = value.trim(); break;
      case 'STOPSIGNAL': c.StopSignal = value.trim(); break;
      case 'VOLUME': {
        c.Volumes = c.Volumes ?? {};
        const v = value.trim();
        for (const p of v.startsWith('[') ? execForm(v, change) : v.split(/\s+/)) c.Volumes[p] = {};
        break;
      }
      case 'ONBUILD': c.OnBuild = [...(c.OnBuild ?? []), value.trim()]; break;
      default: throw bad(change, `${word} is not one of CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR`);
    }
  }
  return c;
}
