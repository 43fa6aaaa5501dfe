/** Process liveness, as kill(pid, 0) and /proc tell it. */
import fs from 'node:fs';

/**
 * Whether a process with this pid exists and has not exited (EPERM still
 * means it exists). A zombie counts as gone: under a pid 1 that does not reap
 * orphans (common in CI containers) an exited monitor stays a zombie.
 */
export function alive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc view of it (another pid namespace): trust kill()
  }
}
