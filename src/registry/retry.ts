/** Retrying registry operations: only errors marked `temporary` (5xx, 429, resets, timeouts), with backoff. */
import { RegistryError } from '../errors.ts';
import { logger } from '../log.ts';

const debug = logger('registry');

/** Runs fn up to `tries` times while it fails with a temporary RegistryError; the last error is thrown. */
export async function withRetries<T>(what: string, fn: () => Promise<T>, tries = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof RegistryError) || !err.temporary || i >= tries) throw err;
      debug('%s failed (%s), retry %d', what, err.message, i);
      await new Promise((r) => setTimeout(r, 200 * 2 ** i));
    }
  }
}
