/** docker's restart policies and back-off, as pure decisions. */
import { UsageError } from '../errors.ts';

export type RestartPolicy = { name: 'no' } | { name: 'always' } | { name: 'unless-stopped' } | { name: 'on-failure'; maxRetries: number };

export function parseRestartPolicy(spec: string): RestartPolicy {
  const [name, n] = spec.split(':');
  if (name === 'no' || name === 'always' || name === 'unless-stopped') {
    if (n !== undefined) throw new UsageError(`restart policy \`${name}\` takes no retry count`);
    return { name };
  }
  if (name === 'on-failure') {
    const maxRetries = n === undefined ? 0 : Number(n);
    if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new UsageError(`invalid retry count in \`${spec}\``);
    return { name, maxRetries };
  }
  throw new UsageError(`invalid restart policy \`${spec}\`: use no, always, unless-stopped or on-failure[:N]`);
}

export function formatRestartPolicy(p: RestartPolicy): string {
  return p.name === 'on-failure' && p.maxRetries ? `on-failure:${p.maxRetries}` : p.name;
}

/** Whether the monitor restarts after an exit; `stopped` means a user stopped it. */
export function shouldRestart(p: RestartPolicy, exitCode: number, restartCount: number, stopped: boolean): boolean {
  if (stopped) return false;
  switch (p.name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return exitCode !== 0 && (p.maxRetries === 0 || restartCount < p.maxRetries);
    default:
      return false;
  }
}

/** docker's back-off: 100 ms doubling up to a minute; reset after a run of 10 s or more. */
export function nextDelay(previousMs: number, ranForMs: number): number {
  if (ranForMs >= 10_000 || previousMs === 0) return 100;
  return Math.min(previousMs * 2, 60_000);
}
