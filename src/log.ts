/**
 * Debug logging: namespaces follow folders (tspod:storage, tspod:registry, ...).
 * The `debug` package is loaded only once logging is on (DEBUG set), so the
 * processes that stay around (monitors) do not carry it.
 */
export type Logger = (fmt: string, ...args: unknown[]) => void;

type DebugFactory = ((ns: string) => Logger) & { enable(spec: string): void };

function debugFactory(): DebugFactory {
  return require('debug') as DebugFactory;
}

export function logger(namespace: string): Logger {
  let impl: Logger | undefined;
  return (fmt, ...args) => {
    if (!process.env.DEBUG) return;
    impl ??= debugFactory()(`tspod:${namespace}`);
    impl(fmt, ...args);
  };
}

/** Turns debug output on for every tspod namespace (`--log-level debug`), in this process and the helpers it starts. */
export function enableDebug(): void {
  // The one hand-off through the environment: child processes (monitor, helpers) inherit it.
  process.env.DEBUG = 'tspod:*';
  process.env.TSPOD_DEBUG = '1';
  debugFactory().enable('tspod:*');
}

/** Whether debug output is on here (`--log-level debug`, or handed over by the parent tspod). */
export function debugEnabled(): boolean {
  return Boolean(process.env.TSPOD_DEBUG);
}
