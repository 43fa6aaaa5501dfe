import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { suite, skip, skipSolo } from './harness.ts';

const s = suite({});
const solo = suite({}, { solo: true });

interface Finding { check: string; level: string; detail: string; fix?: string }
const find = (fs_: Finding[], check: string) => fs_.find((f) => f.check === check)!;

test('doctor checks the host as the user sees it, with fixes', { skip }, async () => {
  const r = await s.env.tspod(['doctor', '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const findings = JSON.parse(r.stdout) as Finding[];
  assert.equal(find(findings, 'user namespaces').level, 'OK');
  assert.equal(find(findings, 'newuidmap').level, 'OK');
  assert.equal(find(findings, '/etc/subuid').level, 'OK');
  assert.equal(find(findings, 'native overlay in a user namespace').level, 'OK');
  assert.ok(['OK', 'WARN'].includes(find(findings, 'cgroups').level));
  const text = await s.env.tspod(['system', 'check']);
  assert.match(text.stdout, /^STATUS\s+CHECK\s+DETAIL/);
});

test('a device only root can use is reported with the chmod that fixes it', { skip: skip || (process.getuid!() !== 0 && 'needs root to change /dev/fuse') }, async () => {
  const mode = fs.statSync('/dev/fuse').mode & 0o777;
  fs.chmodSync('/dev/fuse', 0o600);
  try {
    const findings = JSON.parse((await s.env.tspod(['doctor', '--format', 'json'])).stdout) as Finding[];
    const fuse = find(findings, '/dev/fuse');
    assert.equal(fuse.level, 'WARN');
    assert.equal(fuse.fix, 'sudo chmod 666 /dev/fuse');
  } finally {
    fs.chmodSync('/dev/fuse', mode);
  }
});

test('no subordinate ids is a warning with the usermod that fixes it', { skip: skipSolo }, async () => {
  const findings = JSON.parse((await solo.env.tspod(['doctor', '--format', 'json'])).stdout) as Finding[];
  const sub = find(findings, '/etc/subuid');
  assert.equal(sub.level, 'WARN');
  assert.match(sub.fix!, /^sudo usermod --add-subuids 100000-165535 tspodsolo$/);
});

test('resource limits the host cannot enforce are refused at once, with the reason', { skip }, async () => {
  const findings = JSON.parse((await s.env.tspod(['doctor', '--format', 'json'])).stdout) as Finding[];
  if (find(findings, 'cgroups').level === 'OK') return; // a delegating host: nothing to refuse here
  // Refused before any pull: the image does not even exist.
  const r = await s.env.tspod(['run', '--rm', '-m', '512m', '127.0.0.1:9/nothing/here', 'true']);
  assert.equal(r.status, 125);
  assert.match(r.stderr, /^Error: cannot apply -m 512m: .*run without the limit/);
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1);
});
