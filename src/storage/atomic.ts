/**
 * Atomic file writes: readers never see half a file (temp file, rename).
 *
 * Which writes are also durable (fsync of the file before the rename and of
 * the directory after it, ~2 ms each on this kind of disk) follows one rule:
 * fsync what a crash must not lose because the user cares about it and
 * nothing can rebuild it —
 * - container records at create and change (but not those of `--rm`
 *   containers: they are gone at the container's exit, and one lost to a
 *   crash is missing or listed as damaged, removable),
 * - image records, layer metadata, volume and network records, build cache
 *   records,
 * - a container's last exit status (state.json, written by the monitor: docker
 *   keeps it across reboots too);
 * and only rename what describes live processes or lapses by itself: live.json,
 * runtime specs, health results (writeJsonVolatile, in the per-boot run dir),
 * and the holds of running commands (their owner's death ends them anyway).
 */
import fs from 'node:fs';
import path from 'node:path';
import { TspodError, fileError } from '../errors.ts';

/** Writes `file` atomically; durable (fsync'd, with its directory) unless told otherwise. */
export function writeFileAtomic(file: string, data: string | Buffer, mode = 0o644, opts: { durable?: boolean } = {}): void {
  const durable = opts.durable !== false;
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'w', mode);
    try {
      if (typeof data === "string") fs.writeSync(fd, data);
      else fs.writeSync(fd, data);
      if (durable) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    if (durable) {
      const dfd = fs.openSync(dir, 'r');
      try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
    }
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw fileError('writing', file, err);
  }
}

/** JSON through writeFileAtomic: durable unless `durable: false` (see the rule above). */
export function writeJsonAtomic(file: string, value: unknown, opts: { durable?: boolean } = {}): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n', 0o644, opts);
}

/**
 * Temp file and rename, without fsync: for state that does not survive a
 * reboot anyway (the run dir is tmpfs). Readers still never see half a file.
 */
export function writeJsonVolatile(file: string, value: unknown): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, JSON.stringify(value) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw fileError('writing', file, err);
  }
}

/** Reads JSON, or returns fallback when the file does not exist. */
export function readJson<T>(file: string, fallback: T): T {
  // A missing file is common (a created container has no state.json yet) and a
  // thrown ENOENT costs ~10-20 µs, access() ~2: listings read thousands. access()
  // also fails for other reasons (EACCES): stat then tells them apart.
  let text: string;
  try {
    if (!fs.existsSync(file) && !fs.statSync(file, { throwIfNoEntry: false })) return fallback;
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw new TspodError('ERR_TSPOD_STORAGE', `reading \`${file}\`: ${(err as NodeJS.ErrnoException).code}`, { cause: err });
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new TspodError('ERR_TSPOD_STORAGE', `reading \`${file}\`: not valid JSON`, { cause: err });
  }
}

/**
 * Writes what `produce` streams into `file` through a temp file beside it,
 * renamed into place only when all of it was written: a failure (or a
 * Ctrl-C) never leaves half a file under the name.
 */
export async function streamToFileAtomic(file: string, produce: (out: fs.WriteStream) => Promise<void>): Promise<void> {
  const tmp = `${file}.tspod-${process.pid}.tmp`;
  let out: fs.WriteStream;
  try {
    out = fs.createWriteStream(tmp, { flags: 'wx' });
    await new Promise((res, rej) => out.once('open', res).once('error', rej));
  } catch (err) {
    throw fileError('creating', file, err);
  }
  try {
    await produce(out);
    await new Promise<void>((res, rej) => out.end((err?: Error | null) => (err ? rej(err) : res())));
    fs.renameSync(tmp, file);
  } catch (err) {
    out.destroy();
    fs.rmSync(tmp, { force: true });
    throw (err as NodeJS.ErrnoException).syscall ? fileError('writing', file, err) : err;
  }
}
