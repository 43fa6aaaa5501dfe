/** `run` as one domain call: find or pull the image, create, run attached, clean up. */
import { findImage } from '../storage/images.ts';
import { pullImage } from '../image/pull.ts';
import { createContainer, type CreateOptions } from './create.ts';
import { runAttached, type AttachIo } from './attach.ts';
import { removeContainer } from './remove.ts';
import type { Store } from '../storage/store.ts';
import type { Progress } from '../ui/progress.ts';

export interface RunOptions {
  store: Store;
  image: string;
  create: CreateOptions;
  io: AttachIo;
  progress: Progress;
  tlsVerify: boolean;
}

export async function runContainer(opts: RunOptions): Promise<number> {
  const { store } = opts;
  let image = findImage(store.images(), opts.image);
  if (!image) {
    opts.io.stderr.write(`Unable to find image '${opts.image}' locally\n`);
    image = (await pullImage({ store, reference: opts.image, progress: opts.progress, tlsVerify: opts.tlsVerify })).image;
  }
  const rec = await createContainer(store, image, opts.image, opts.create);
  try {
    return await runAttached(store, rec, opts.io);
  } finally {
    if (opts.create.autoRemove) await removeContainer(store, rec.id, { force: true, volumes: true });
  }
}
