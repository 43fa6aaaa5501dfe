import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tabwrite } from '../../../src/ui/tabwriter.ts';

test('docker\'s tabwriter: columns padded by 3, at least 10 wide; last cells unpadded', () => {
  assert.equal(tabwrite('A\tBB\tC\nxyz\t1\t2\n'), 'A         BB        C\nxyz       1         2\n');
  assert.equal(tabwrite('CONTAINER ID\tNAMES\n0123456789ab\tweb\n'), 'CONTAINER ID   NAMES\n0123456789ab   web\n');
  assert.equal(tabwrite('é\tx\n'), 'é         x\n', 'widths count runes');
});

test('column blocks end at a line with fewer cells, as Go\'s', () => {
  assert.equal(tabwrite('a\tb\nlonger-than-ten\tc\nsolo\nx\ty\n'), 'a                 b\nlonger-than-ten   c\nsolo\nx         y\n');
  assert.equal(tabwrite('a\tb\tc\nd\te\nf\tg\th\n'), 'a         b         c\nd         e\nf         g         h\n');
  assert.equal(tabwrite('no tabs'), 'no tabs');
});
