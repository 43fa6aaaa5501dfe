/** What listings read of a container's state: the same answers as observedState, /proc only where processes should exist. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ContainerLayout } from '../../../src/storage/layout.ts';
import { listedState, observedState } from '../../../src/storage/state.ts';
import { readJson } from '../../../src/storage/atomic.ts';
import { procRef } from '../../../src/sys/proc.ts';

const temps: string[] = [];
after(() => { for (const d of temps) fs.rmSync(d, { recursive: true, force: true }); });
const tempDir = () => { const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tspod-state-')); temps.push(d); return d; };

function layoutWith(state: unknown, live?: unknown): ContainerLayout {
  const base = tempDir();
  const layout = new ContainerLayout(path.join(base, 'root'), path.join(base, 'run'), 'a'.repeat(64));
  fs.mkdirSync(layout.dir, { recursive: true });
  fs.mkdirSync(layout.runDir, { recursive: true });
  if (state !== undefined) fs.writeFileSync(layout.state, typeof state === 'string' ? state : JSON.stringify(state));
  if (live !== undefined) fs.writeFileSync(layout.live, JSON.stringify(live));
  return layout;
}

const exited = { status: 'exited', exitCode: 3, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:01Z', restartCount: 0, error: '' };
const running = { ...exited, status: 'running', exitCode: 0 };
const dead = { pid: 2 ** 22 + 1, start: 1 }; // beyond pid_max: never a live process

test('a created container (no state.json yet) and an exited one: as recorded, without their processes', () => {
  for (const [rec, status, code] of [[undefined, 'created', 0], [exited, 'exited', 3]] as const) {
    const layout = layoutWith(rec, { monitor: procRef(process.pid) });
    const s = listedState(layout);
    assert.equal(s.status, status);
    assert.equal(s.exitCode, code);
    assert.equal(s.pid, 0);
    assert.equal(s.monitorPid, 0);
    assert.equal(observedState(layout).status, status);
  }
});

test('recorded running but its monitor is gone: Exited (255), as observedState says', () => {
  for (const live of [undefined, { monitor: dead, init: dead, pidNs: 'pid:[1]' }]) {
    const layout = layoutWith(running, live);
    const s = listedState(layout);
    assert.equal(s.status, 'exited');
    assert.equal(s.exitCode, 255);
    assert.deepEqual(s, observedState(layout));
  }
});

test('recorded running with a live monitor: running, paused when marked', () => {
  const layout = layoutWith(running, { monitor: procRef(process.pid) });
  assert.equal(listedState(layout).status, 'running');
  assert.equal(listedState(layout).monitorPid, process.pid);
  fs.writeFileSync(layout.paused, '');
  assert.equal(listedState(layout).status, 'paused');
});

test('a damaged state record: unknown, with the reason', () => {
  for (const rec of ['{"status": "runn', { status: 'flying' }]) {
    const s = listedState(layoutWith(rec));
    assert.equal(s.status, 'unknown');
    assert.match(s.error, /state\.json/);
  }
});

test('readJson: a missing file gives the fallback, a present one its value, a broken one ERR_TSPOD_STORAGE', () => {
  const dir = tempDir();
  assert.deepEqual(readJson(path.join(dir, 'none.json'), { x: 1 }), { x: 1 });
  assert.deepEqual(readJson(path.join(dir, 'none', 'deeper.json'), 7), 7);
  fs.writeFileSync(path.join(dir, 'a.json'), '{"a": 2}');
  assert.deepEqual(readJson(path.join(dir, 'a.json'), {}), { a: 2 });
  fs.writeFileSync(path.join(dir, 'b.json'), '{"a"');
  assert.throws(() => readJson(path.join(dir, 'b.json'), {}), { code: 'ERR_TSPOD_STORAGE' });
  assert.throws(() => readJson(dir, {}), { code: 'ERR_TSPOD_STORAGE' }); // a directory: EISDIR
});
