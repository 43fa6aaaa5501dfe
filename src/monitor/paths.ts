/** Where a container's monitor listens: short paths under the run dir (sun_path holds 107 bytes). */
import fs from 'node:fs';
import path from 'node:path';

export function socketPath(runRoot: string, id: string): string {
  return path.join(runRoot, 's', `${id.slice(0, 16)}.sock`);
}

export function ensureSocketDir(runRoot: string): void {
  fs.mkdirSync(path.join(runRoot, 's'), { recursive: true, mode: 0o700 });
}
