/** Debug logging: namespaces follow folders (tspod:storage, tspod:registry, ...). */
import createDebug from 'debug';

export type Logger = (fmt: string, ...args: unknown[]) => void;

export function logger(namespace: string): Logger {
  return createDebug(`tspod:${namespace}`);
}

/** Turns debug output on for every tspod namespace (`--log-level debug`). */
export function enableDebug(): void {
  createDebug.enable('tspod:*');
  process.env.DEBUG = 'tspod:*';
}

/** Replaces credentials in text that goes to a log. */
export function redact(text: string): string {
  return text
    .replace(/(authorization:\s*)(basic|bearer)\s+\S+/gi, '$1$2 <redacted>')
    .replace(/("(?:auth|password|identitytoken|token|access_token)"\s*:\s*)"[^"]*"/gi, '$1"<redacted>"');
}
