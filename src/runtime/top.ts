/** `top`: the host's ps, limited to the container's processes. */
import { runSync } from '../sys/spawn.ts';
import { containerPids, type Container } from './lifecycle.ts';
import { TspodError, UsageError } from '../errors.ts';

export function topContainer(c: Container, psArgs: string[]): { header: string; rows: string[] } {
  const pids = containerPids(c);
  if (!pids.length) throw new TspodError('ERR_TSPOD_NOT_RUNNING', `container ${c.rec.name} is not running`);
  const args = psArgs.length ? psArgs : ['-f'];
  const out = runSync(['ps', ...args, ...(psArgs.length ? [] : ['-p', pids.join(',')])]).stdout.trimEnd().split('\n');
  const header = out[0];
  const pidCol = header.trim().split(/\s+/).indexOf('PID');
  if (pidCol < 0) throw new UsageError(`ps output has no PID column for \`${args.join(' ')}\``);
  const want = new Set(pids.map(String));
  return { header, rows: out.slice(1).filter((l) => want.has(l.trim().split(/\s+/)[pidCol])) };
}
