/**
 * The README's first command ends here: builds a demo image locally (no
 * internet: busybox from Debian's busybox-static), pushes it with skopeo to a
 * real registry on 127.0.0.1, then pulls and runs it with tspod as the
 * non-root user test/setup/host.sh created.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { startRegistry, pushImage } from '../test/fixtures/registry.ts';
import { demoImage } from '../test/fixtures/images.ts';
import { testEnv } from '../test/e2e/harness.ts';

const reg = await startRegistry();
const env = testEnv();
const image = `${reg.host}/demo/hello:latest`;
let failed = false;
try {
  pushImage(demoImage, image);
  console.log(`demo image pushed to ${image} (registry: docker-registry on 127.0.0.1)\n`);
  for (const args of [['pull', image], ['images'], ['run', '--rm', image], ['run', '--rm', '-u', '1000', image]]) {
    const a = env.argv(args);
    console.log(`$ tspod ${args.join(' ')}`);
    const r = spawnSync(a[0], a.slice(1), { stdio: 'inherit' });
    if (r.status !== 0) failed = true;
    console.log();
  }
  console.log(`tspod is ${path.resolve('dist/tspod')}: one executable, copy it anywhere`);
} finally {
  env.cleanup();
  reg.stop();
}
process.exit(failed ? 1 : 0);
