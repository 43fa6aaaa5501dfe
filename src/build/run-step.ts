/**
 * Running one RUN step: a rootless container on tspod's own runtime (the
 * native helper's `init`, started directly: no monitor, no container record)
 * over the stage's layers with a fresh upper dir, which then becomes the
 * step's layer. Mount points the runtime had to make (for /etc/hosts, cache
 * and secret mounts...) are taken out of the upper dir again.
 */
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import { startInit } from '../runtime/oci-runtime.ts';
import { writeJsonVolatile } from '../storage/atomic.ts';
import { ensureHolder } from '../network/holder.ts';
import { chooseUserMode, probeHostNet } from '../network/mode.ts';
import { hostsFile, resolvConf } from '../network/etc.ts';
import { startUserMode, type UserModeStack } from '../slirp/usermode.ts';
import { onLines } from '../runtime/lines.ts';
import { pipe2 } from '../sys/libc.ts';
import { packInUserns } from '../layer/helper.ts';
import { storeLayer, type StoredLayer } from '../image/image.ts';
import { removeTrees } from '../userns/trampoline.ts';
import type { Hold, Store } from '../storage/store.ts';
import type { Mount } from '../model/container.ts';
import type { InitMessage } from '../runtime/channel.ts';
import { StepLayout, stepSpec } from './step-spec.ts';
import { existsInLayers } from './layers.ts';
import { logger } from '../log.ts';

const debug = logger('build');

export interface RunStep {
  layers: string[];
  args: string[];
  env: string[];
  workingDir: string;
  user: string;
  /** default, host or none. */
  network: string;
  mounts: Mount[];
  /** Receives the step's output (stdout and stderr together, in order). */
  output(chunk: Buffer): void;
}

export interface RunStepResult { exitCode: number; layer?: StoredLayer; error?: string }

/** The files the runtime binds over /etc: written once per step. */
function writeEtc(layout: StepLayout, hostname: string, network: string): void {
  let hostResolv = '';
  try { hostResolv = fs.readFileSync('/etc/resolv.conf', 'utf8'); } catch { /* none */ }
  let hostHosts: string | undefined;
  if (network === 'host') try { hostHosts = fs.readFileSync('/etc/hosts', 'utf8'); } catch { /* none */ }
  fs.writeFileSync(layout.etc('hostname'), `${hostname}\n`);
  fs.writeFileSync(layout.etc('hosts'), hostsFile({ hostname, address: '', base: hostHosts, extra: [] }));
  fs.writeFileSync(layout.etc('resolv.conf'), resolvConf({ mode: network, dns: [], dnsSearch: [], hostResolv }));
}

/** Runs the step; on success its upper dir is stored as a layer (added to `hold`). */
export async function runStep(store: Store, hold: Hold, step: RunStep): Promise<RunStepResult> {
  const id = crypto.randomBytes(32).toString('hex');
  const dir = store.tempDir('build-run');
  const layout = new StepLayout(store.root, store.paths.run, id, dir);
  for (const d of [layout.merged, layout.upper, layout.work]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  if (!step.layers.length) fs.mkdirSync(layout.emptyLower, { mode: 0o755 });
  try {
    const mode = step.network === 'host' || step.network === 'none' ? step.network : chooseUserMode(probeHostNet());
    writeEtc(layout, id.slice(0, 12), mode);
    // Mount points the runtime will make: known before, so what it made can be taken out of the layer.
    const mountPoints = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/proc', '/sys', '/dev', ...step.mounts.map((m) => m.destination)];
    const made = mountPoints.filter((p) => !existsInLayers(store, step.layers, p));
    const holderPid = await ensureHolder(store.paths.run);
    const spec = stepSpec({ id, layers: step.layers, args: step.args, env: step.env, workingDir: step.workingDir, user: step.user, networkMode: mode, mounts: step.mounts }, layout, { userNsPid: holderPid, storeRoot: store.root });
    writeJsonVolatile(layout.spec, spec);
    const exit = await runSpec(layout.spec, mode, step.output);
    if (exit.exitCode !== 0 || exit.error) return exit;
    removeMountPoints(layout.upper, made);
    const packing = await packInUserns('layer', [layout.upper]);
    const layer = await storeLayer(store, hold, packing.stream);
    await packing.done;
    return { exitCode: 0, layer };
  } finally {
    await removeTrees([dir]).catch((err) => debug('removing %s: %s', dir, (err as Error).message));
  }
}

/** Takes mount points the runtime made out of the upper dir, and the parents it made for them when left empty. */
function removeMountPoints(upper: string, made: string[]): void {
  for (const p of made) {
    const file = path.join(upper, p);
    try {
      const st = fs.lstatSync(file);
      if (st.isDirectory()) fs.rmdirSync(file); else if (st.size === 0) fs.rmSync(file);
    } catch { /* not made, or not empty: kept */ }
    for (let d = path.dirname(p); d !== '/'; d = path.dirname(d)) {
      try { fs.rmdirSync(path.join(upper, d)); } catch { break; }
    }
  }
}

/** Starts the helper on the spec, sets up the network, streams output; resolves with the exit status. */
async function runSpec(specFile: string, network: string, output: (chunk: Buffer) => void): Promise<RunStepResult> {
  const [r, w] = pipe2();
  let started;
  try {
    started = startInit(specFile, ['ignore', w, w]);
  } finally {
    fs.closeSync(w);
  }
  const { child, channel } = started;
  const out = new net.Socket({ fd: r, readable: true, writable: false });
  out.on('data', output);
  const drained = new Promise((res) => out.once('close', res));
  let error: string | undefined;
  let pidSeen: (ok: boolean) => void = () => {};
  const havePid = new Promise<boolean>((res) => { pidSeen = res; });
  channel.once('end', () => pidSeen(false));
  const stop = onLines(channel, (line) => {
    const msg = JSON.parse(line) as InitMessage;
    if (msg.type === 'pid') pidSeen(true);
    else if (msg.type === 'error') error = msg.message;
  });
  const closed = new Promise<number>((res) => child.once('exit', (code, signal) => res(code ?? 128 + (signal ? os.constants.signals[signal] : 0))));
  let stack: UserModeStack | undefined;
  if (network === 'pasta' || network === 'slirp4netns') {
    if (await havePid) {
      try {
        stack = await startUserMode({ mode: network, pid: child.pid!, ports: [], runDir: path.dirname(specFile) });
        channel.write(JSON.stringify({ type: 'net' }) + '\n');
      } catch (err) {
        error = `setting up the network: ${(err as Error).message}`;
        channel.destroy();
      }
    }
  }
  const exitCode = await closed;
  await Promise.race([drained, new Promise((res) => setTimeout(res, 2000))]);
  out.destroy();
  stop();
  channel.destroy();
  await stack?.stop();
  if (error) return { exitCode: exitCode || 125, error };
  return { exitCode };
}

