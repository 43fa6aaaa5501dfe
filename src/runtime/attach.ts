/**
 * Running a container in the foreground: enter the namespaces through the
 * trampoline, talk to the init over the channel (host pid, pty, setup
 * errors), relay the terminal, forward signals, and report the exit status.
 */
import fs from 'node:fs';
import tty from 'node:tty';
import os from 'node:os';
import readline from 'node:readline';
import { enterNamespaces, waitExit, type Namespace } from '../userns/trampoline.ts';
import { selfArgv } from '../sys/self.ts';
import { unlockPty, setWinsize, kill } from '../sys/libc.ts';
import type { InitMessage } from './channel.ts';
import type { ContainerRecord } from '../storage/containers.ts';
import type { Store } from '../storage/store.ts';
import { TspodError, type ErrorCode } from '../errors.ts';
import { logger } from '../log.ts';

const debug = logger('run');

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export interface AttachIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

function namespacesFor(rec: ContainerRecord): Namespace[] {
  const ns: Namespace[] = ['mount', 'pid', 'uts', 'ipc'];
  if (rec.hostConfig.networkMode !== 'host') ns.push('net');
  return ns;
}

/** Relays between the user's terminal and the pty master until the container ends. */
function relayTty(masterFd: number, io: AttachIo, interactive: boolean): () => void {
  const master = new tty.ReadStream(masterFd);
  master.on('data', (d: Buffer) => io.stdout.write(d));
  master.on('error', () => { /* EIO once the container side closes */ });
  const size = () => setWinsize(masterFd, { rows: io.stdout.rows || 24, cols: io.stdout.columns || 80 });
  if (io.stdout.isTTY) io.stdout.on('resize', size);
  const raw = interactive && io.stdin.isTTY;
  if (raw) io.stdin.setRawMode(true);
  const onInput = (d: Buffer) => { try { fs.writeSync(masterFd, d); } catch { /* closed */ } };
  if (interactive) io.stdin.on('data', onInput).resume();
  return () => {
    if (raw) io.stdin.setRawMode(false);
    io.stdin.off('data', onInput);
    io.stdin.pause();
    io.stdout.off('resize', size);
    master.destroy();
  };
}

/** Starts the container attached to io; resolves with its exit status. */
export async function runAttached(store: Store, rec: ContainerRecord, io: AttachIo): Promise<number> {
  const { tty: useTty, openStdin } = rec.config;
  const { child, channel } = await enterNamespaces({
    namespaces: namespacesFor(rec),
    argv: [...selfArgv(), '__init', store.root, rec.id],
    stdio: useTty ? ['ignore', 'inherit', 'inherit'] : [openStdin ? 'inherit' : 'ignore', 'inherit', 'inherit'],
  });
  let hostPid = 0;
  let setupError: { code: ErrorCode; message: string; exit: number } | undefined;
  let cleanupTty: (() => void) | undefined;
  let marked: Promise<void> = Promise.resolve();
  const forward = (sig: NodeJS.Signals) => { if (hostPid) kill(hostPid, os.constants.signals[sig]); };
  for (const s of FORWARDED) process.on(s, forward);

  const lines = readline.createInterface({ input: channel });
  lines.on('line', (line) => {
    const msg = JSON.parse(line) as InitMessage;
    if (msg.type === 'pid') {
      hostPid = msg.pid;
      marked = store.locked(() => {
        const cur = store.container(rec.id);
        if (cur) store.writeContainer({ ...cur, state: { ...cur.state, status: 'running', pid: hostPid, startedAt: new Date().toISOString() } });
      });
    } else if (msg.type === 'ptmx') {
      const fd = fs.openSync(msg.path, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
      const n = unlockPty(fd);
      setWinsize(fd, { rows: io.stdout.rows || 24, cols: io.stdout.columns || 80 });
      cleanupTty = relayTty(fd, io, openStdin);
      channel.write(JSON.stringify({ type: 'pty', n }) + '\n');
    } else if (msg.type === 'error') {
      setupError = msg as typeof setupError;
    }
  });
  const status = await waitExit(child);
  for (const s of FORWARDED) process.off(s, forward);
  // Let the relay drain what the container wrote last.
  await new Promise((r) => setTimeout(r, cleanupTty ? 20 : 0));
  cleanupTty?.();
  lines.close();
  channel.destroy();
  debug('container %s exited with %d', rec.id.slice(0, 12), status);
  await marked;
  await store.locked(() => {
    const cur = store.container(rec.id);
    if (cur) {
      store.writeContainer({
        ...cur,
        state: { ...cur.state, status: 'exited', pid: 0, exitCode: status, finishedAt: new Date().toISOString(), error: setupError?.message },
      });
    }
  });
  if (setupError) throw new TspodError(setupError.code, setupError.message, { exitCode: setupError.exit });
  return status;
}
