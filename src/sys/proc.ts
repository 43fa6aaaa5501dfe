/** Process liveness, as kill(pid, 0) tells it. */

/** Whether a process with this pid exists (EPERM still means it exists). */
export function alive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
