import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectManifest, hostPlatform, isIndex, parsePlatform, layerCompression, MEDIA, type ImageIndex } from '../../../src/registry/manifest.ts';

const d = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const index: ImageIndex = {
  schemaVersion: 2,
  manifests: [
    { mediaType: MEDIA.ociManifest, digest: d(1), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
    { mediaType: MEDIA.ociManifest, digest: d(2), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    { mediaType: MEDIA.ociManifest, digest: d(3), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
    { mediaType: MEDIA.ociManifest, digest: d(4), size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
    { mediaType: MEDIA.ociManifest, digest: d(5), size: 1, platform: { os: 'linux', architecture: 'arm64' } },
  ],
};

test('host platform picks the right entry; variants matter', () => {
  assert.equal(selectManifest(index, hostPlatform('x64')).digest, d(3));
  assert.equal(selectManifest(index, hostPlatform('arm')).digest, d(2));
  assert.equal(selectManifest(index, hostPlatform('arm64')).digest, d(5), 'arm64 without variant means v8');
  assert.equal(selectManifest(index, parsePlatform('linux/arm/v6')).digest, d(1));
});

test('no match names what the list has, never the attestation entry', () => {
  assert.throws(() => selectManifest(index, parsePlatform('linux/s390x')), (err: any) =>
    err.code === 'ERR_TSPOD_NO_MATCHING_PLATFORM' && !/unknown/.test(err.message) && /linux\/amd64/.test(err.message));
  assert.throws(() => parsePlatform('linux'), { code: 'ERR_TSPOD_USAGE' });
});

test('index detection and layer compression', () => {
  assert.ok(isIndex(MEDIA.dockerList, {}));
  assert.ok(isIndex(undefined, { manifests: [] }));
  assert.ok(!isIndex(MEDIA.ociManifest, { config: {}, layers: [] }));
  assert.equal(layerCompression('application/vnd.docker.image.rootfs.diff.tar.gzip'), 'gzip');
  assert.equal(layerCompression('application/vnd.oci.image.layer.v1.tar+zstd'), 'zstd');
  assert.equal(layerCompression('application/vnd.oci.image.layer.v1.tar'), 'none');
});
