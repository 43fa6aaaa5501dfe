import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addonDir } from '../../../src/sys/koffi.ts';

test("koffi's addon is chosen by architecture; others are refused in one line", () => {
  assert.equal(addonDir('x64'), 'linux_x64');
  assert.equal(addonDir('arm64'), 'linux_arm64');
  assert.throws(() => addonDir('s390x'), { code: 'ERR_TSPOD_UNSUPPORTED_ARCH' });
});
