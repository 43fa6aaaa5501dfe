import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectLabels } from '../../../src/runtime/labels.ts';

test('labels: files first, flags override; KEY alone is empty; comments and blank lines skipped', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'labels-'));
  try {
    const file = path.join(dir, 'l');
    fs.writeFileSync(file, '# comment\n\n  a=from-file\nb=x=y\nflag\n');
    assert.deepEqual(collectLabels([file], ['a=from-flag', 'c']), { a: 'from-flag', b: 'x=y', flag: '', c: '' });
    assert.throws(() => collectLabels([path.join(dir, 'missing')], []), { code: 'ERR_TSPOD_USAGE' });
    assert.throws(() => collectLabels([], ['=v']), { code: 'ERR_TSPOD_USAGE' });
    assert.throws(() => collectLabels([], ['a b=c']), { code: 'ERR_TSPOD_USAGE' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
