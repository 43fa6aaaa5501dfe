/** A 24 MB ext4 filesystem on a loop device, mounted for one test (root only) and given to `uid`: a disk that fills. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export function smallFilesystem(prefix: string, uid: number): { mnt: string; remove(): void } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const image = path.join(tmp, 'small.img');
  const mnt = path.join(tmp, 'mnt');
  fs.mkdirSync(mnt);
  spawnSync('truncate', ['-s', '24M', image]);
  assert.equal(spawnSync('mkfs.ext4', ['-q', '-F', image]).status, 0);
  assert.equal(spawnSync('mount', ['-o', 'loop', image, mnt]).status, 0, 'mounting a loop filesystem');
  fs.chownSync(mnt, uid, uid);
  fs.chmodSync(tmp, 0o755);
  return {
    mnt,
    remove: () => {
      spawnSync('umount', [mnt]);
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
