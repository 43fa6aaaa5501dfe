/** Go's fmt verbs as printf in templates uses them (expected values are Go's output). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sprintf, goString, formatFloat, quote } from '../../../src/ui/template/gofmt.ts';

test('strings: %s %q %v %x, width, precision, flags', () => {
  assert.equal(sprintf('[%s][%5s][%-5s][%.2s][%5.1s]', ['ab', 'ab', 'ab', 'abc', 'xyz']), '[ab][   ab][ab   ][ab][    x]');
  assert.equal(sprintf('%q %+q %#q', ['a"b\n', 'é', 'raw']), '"a\\"b\\n" "\\u00e9" `raw`');
  assert.equal(sprintf('%x %X % x', ['hi', 'hi', 'hi']), '6869 6869 68 69');
  assert.equal(sprintf('%-10s|', ['héllo']), 'héllo     |', 'width counts runes');
});

test('integers: %d %5d %-5d %05d %+d %x %X %#x %o %#o %O %b %c %q %U', () => {
  assert.equal(sprintf('%d|%5d|%-5d|%05d|%+d|% d', [42, 42, 42, -42, 42, 42]), '42|   42|42   |-0042|+42| 42');
  assert.equal(sprintf('%x %X %#x %o %#o %O %b', [255, 255, 255, 8, 8, 8, 5]), 'ff FF 0xff 10 010 0o10 101');
  assert.equal(sprintf('%c %q %U %#U', [65, 97, 0x1f600, 65]), "A 'a' U+1F600 U+0041 'A'");
  assert.equal(sprintf('%.3d', [7]), '007');
});

test('floats: %f %.2f %e %g %v %8.3f %+.1e', () => {
  assert.equal(sprintf('%f|%.2f|%e|%g|%v|%8.3f|%+.1e', [3.14159, 3.14159, 1234.5678, 1e-7, 2.5, 3.14159, 12345.678]), '3.141590|3.14|1.234568e+03|1e-07|2.5|   3.142|+1.2e+04');
  assert.equal(sprintf('%.3g|%g|%G', [1234567.0, 100000.5, 1e-10]), '1.23e+06|100000.5|1E-10');
  assert.equal(formatFloat(1e21), '1e+21');
  assert.equal(formatFloat(123456.5), '123456.5');
  assert.equal(formatFloat(1234567.5), '1.2345675e+06');
  assert.equal(formatFloat(0.0001), '0.0001');
  assert.equal(formatFloat(0.00001), '1e-05');
  assert.equal(sprintf('%.1f %5.2f%%', [2, 99.5]), '2.0 99.50%', 'an integral number takes float verbs');
});

test('bools, nil, composites', () => {
  assert.equal(sprintf('%t %v %5t|', [true, false, true]), 'true false  true|');
  assert.equal(sprintf('%v %d', [null, null]), '<nil> %!d(<nil>)');
  assert.equal(sprintf('%v|%s|%q|%d', [['a', 'b'], ['a', 'b'], ['a', 'b'], [1, 2]]), '[a b]|[a b]|["a" "b"]|[1 2]');
  assert.equal(sprintf('%v', [{ b: 2, a: [1] }]), 'map[a:[1] b:2]');
  assert.equal(goString({ z: 1, a: { y: null } }), 'map[a:map[y:<nil>] z:1]');
  assert.equal(sprintf('%T %T %T %T %T %T', ['s', 1, 1.5, true, ['a'], { a: 1 }]), 'string int float64 bool []string map[string]int');
});

test('Go\'s complaints: wrong verb, missing and extra arguments, %%', () => {
  assert.equal(sprintf('%d', ['x']), '%!d(string=x)');
  assert.equal(sprintf('%s', [3]), '%!s(int=3)');
  assert.equal(sprintf('%d', [1.5]), '%!d(float64=1.5)');
  assert.equal(sprintf('%z', [1]), '%!z(int=1)');
  assert.equal(sprintf('%s %s', ['a']), 'a %!s(MISSING)');
  assert.equal(sprintf('%s', ['a', 'b', 2]), 'a%!(EXTRA string=b, int=2)');
  assert.equal(sprintf('100%%', []), '100%');
  assert.equal(sprintf('%[2]s %[1]s', ['a', 'b']), 'b a');
  assert.equal(sprintf('%*d|%-*d|', [5, 1, 3, 2]), '    1|2  |');
  assert.equal(sprintf('%', []), '%!(NOVERB)');
});

test('strconv.Quote', () => {
  assert.equal(quote('tab\there\x07\x00'), '"tab\\there\\a\\x00"');
  assert.equal(quote('日本'), '"日本"');
});
