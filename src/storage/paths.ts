/** Where a user's tspod data lives (XDG base directories, with fallbacks). */
import os from 'node:os';
import path from 'node:path';

export interface StorePaths {
  /** Images, layers, containers: $XDG_DATA_HOME/tspod. */
  root: string;
  /** Per-boot state: $XDG_RUNTIME_DIR/tspod, or a private dir under /tmp. */
  run: string;
  /** User configuration: $XDG_CONFIG_HOME. */
  configHome: string;
}

export function defaultPaths(env: NodeJS.ProcessEnv = process.env): StorePaths {
  const home = env.HOME || os.homedir();
  const dataHome = env.XDG_DATA_HOME || path.join(home, '.local', 'share');
  const configHome = env.XDG_CONFIG_HOME || path.join(home, '.config');
  const uid = process.getuid?.() ?? 0;
  const runtime = env.XDG_RUNTIME_DIR || path.join(os.tmpdir(), `tspod-run-${uid}`);
  return {
    root: env.TSPOD_ROOT || path.join(dataHome, 'tspod'),
    run: env.TSPOD_RUNROOT || path.join(runtime, 'tspod'),
    configHome,
  };
}
