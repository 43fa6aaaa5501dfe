/** What every tspod command shares: error rendering and exit codes, the store. */
import fs from 'node:fs';
import { Command, type BaseContext } from '../cli/options.ts';
import { describeError, exitCodeOf, type ErrorCode, type TspodError } from '../errors.ts';
import { defaultPaths, type PathOptions } from '../storage/paths.ts';
import { Store } from '../storage/store.ts';
import { logger } from '../log.ts';

const debug = logger('cli');

/** The options given before the verb (`--root`, `--runroot`), as main read them: values, never the environment. */
export type GlobalOptions = PathOptions;

/** What main hands every command: the streams and the global options. */
export interface TspodContext extends BaseContext { globals: GlobalOptions }

export abstract class TspodCommand extends Command<TspodContext> {
  /** The verb's work; returns the exit status (default 0). */
  abstract run(): Promise<number | void>;

  async execute(): Promise<number> {
    try {
      return (await this.run()) ?? 0;
    } catch (err) {
      debug('%O', err);
      this.context.stderr.write(`Error: ${describeError(err)}\n`);
      return exitCodeOf(err);
    }
  }

  openStore(): Store {
    const paths = defaultPaths(this.context.globals);
    const moved = paths.relocatedFrom;
    // Said once, when the local stand-in is first made; `info` and `doctor` show it after.
    if (moved && !fs.existsSync(paths.root)) {
      this.context.stderr.write(`WARNING: ${moved.root} is on ${moved.filesystem}, which cannot hold overlay upper directories; storing in ${paths.root} instead (set XDG_DATA_HOME or --root to choose)\n`);
    }
    return new Store(paths);
  }

  /** The terminal or pipes this command talks to, typed as Node's streams. */
  io(): { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream } {
    return { stdin: this.context.stdin as NodeJS.ReadStream, stdout: this.context.stdout as NodeJS.WriteStream, stderr: this.context.stderr as NodeJS.WriteStream };
  }

  out(line: string): void {
    this.context.stdout.write(`${line}\n`);
  }

  /** Prints each failure of a per-item report as one line on stderr; 1 if any, else 0. */
  reportFailures(errors: unknown[]): number {
    const failed = errors.filter((e) => e !== undefined);
    for (const err of failed) {
      debug('%O', err);
      this.context.stderr.write(`Error: ${describeError(err)}\n`);
    }
    return failed.length ? 1 : 0;
  }

  /**
   * docker's way with several names: act on each (in turn, or all at once),
   * print the name on success or the error on stderr, and exit 1 if any failed
   * (an error coded `missingOk` is no failure and prints nothing).
   */
  async eachItem(items: string[], act: (item: string) => Promise<unknown> | void, opts: { echo?: boolean; parallel?: boolean; missingOk?: ErrorCode } = {}): Promise<number> {
    let status = 0;
    const one = async (item: string) => {
      try {
        await act(item);
        if (opts.echo !== false) this.out(item);
      } catch (err) {
        // Force means idempotent: removing what is not there is no error (docker >= 20.10).
        if (opts.missingOk && (err as TspodError).code === opts.missingOk) return;
        debug('%O', err);
        this.context.stderr.write(`Error: ${describeError(err)}\n`);
        status = 1;
      }
    };
    if (opts.parallel) await Promise.all(items.map(one));
    else for (const item of items) await one(item);
    return status;
  }
}
