/**
 * The conformance suite every root filesystem backend must pass: the same
 * image, the same checks, for native overlay, fuse-overlayfs and copy.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { suite, skip } from './harness.ts';
import { layered } from '../fixtures/images.ts';

const s = suite({ 'test/layered': layered }, { pull: ['test/layered'] });
const img = () => s.ref('test/layered');

for (const backend of ['overlay', 'fuse-overlayfs', 'copy']) {
  describe(`rootfs backend ${backend}`, () => {
    const run = (args: string[], name?: string) =>
      s.env.tspod(['run', ...(name ? ['--name', name] : ['--rm']), img(), ...args], { env: { TSPOD_ROOTFS_BACKEND: backend } });

    test('files from every layer, with owners and modes; deleted files stay deleted', { skip }, async () => {
      const r = await run(['sh', '-c', [
        'cat /etc/os-release | head -1',
        'test -e /etc/deleteme && echo deleteme-present || echo deleteme-gone',
        'ls /opt/olddir',
        'stat -c "%u:%g %a %n" /data /data/owned.txt /usr/bin/suid /srv /srv/sticky /tmp /home/appuser /',
        'stat -c "%h %i" /data/hardlink /data/target',
        'cat /a/very/long/directory/name/that/goes/past/the/one/hundred/byte/limit/of/ustar/headers/file.txt',
      ].join('; ')]);
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      assert.equal(lines[0], 'NAME="tspod-test"');
      assert.equal(lines[1], 'deleteme-gone');
      assert.equal(lines[2], 'new.txt', 'opaque directory hides the lower files');
      assert.deepEqual(lines.slice(3, 11), [
        '2000:3000 750 /data', '2000:3000 640 /data/owned.txt', '0:0 4755 /usr/bin/suid', '0:100 2775 /srv',
        '0:0 1777 /srv/sticky', '0:0 1777 /tmp', '1000:1000 750 /home/appuser', '0:0 755 /',
      ]);
      const [a, b] = lines.slice(11, 13);
      assert.equal(a, b, 'hardlink shares the inode');
      assert.match(a, /^2 /);
      assert.equal(lines[13], 'long');
    });

    test('writes stay in the container and never reach the image', { skip }, async () => {
      const name = `w-${backend}`;
      const w = await run(['sh', '-c', 'echo changed > /etc/os-release; rm /bin/ls; mkdir -p /new/dir; echo ok'], name);
      assert.equal(w.stdout, 'ok\n', w.stderr);
      const fresh = await run(['sh', '-c', 'head -1 /etc/os-release; test -e /bin/ls && echo ls-there; test -e /new && echo new-there || echo no-new']);
      assert.equal(fresh.stdout, 'NAME="tspod-test"\nls-there\nno-new\n');
      assert.equal((await s.env.tspod(['rm', name])).status, 0);
    });
  });
}
