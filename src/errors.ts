/**
 * The one error family of tspod. Every error a user can see carries a stable
 * code (tests match codes, never text) and the process exit status it maps to.
 */

/** docker's contract: 125 the tool failed, 126 cannot invoke, 127 not found. */
export const EXIT_TSPOD_FAILED = 125;
export const EXIT_CANNOT_INVOKE = 126;
export const EXIT_NOT_FOUND = 127;

export type ErrorCode =
  | 'ERR_TSPOD_USAGE'
  | 'ERR_TSPOD_INVALID_REFERENCE'
  | 'ERR_TSPOD_NO_SUCH_IMAGE'
  | 'ERR_TSPOD_NO_SUCH_CONTAINER'
  | 'ERR_TSPOD_NAME_IN_USE'
  | 'ERR_TSPOD_IMAGE_IN_USE'
  | 'ERR_TSPOD_CONTAINER_RUNNING'
  | 'ERR_TSPOD_NOT_RUNNING'
  | 'ERR_TSPOD_PAUSED'
  | 'ERR_TSPOD_NOT_PAUSED'
  | 'ERR_TSPOD_TIMEOUT'
  | 'ERR_TSPOD_DAMAGED_RECORD'
  | 'ERR_TSPOD_RUNTIME_DIR'
  | 'ERR_TSPOD_NO_SPACE'
  | 'ERR_TSPOD_REGISTRY'
  | 'ERR_TSPOD_AUTH'
  | 'ERR_TSPOD_DIGEST_MISMATCH'
  | 'ERR_TSPOD_NO_MATCHING_PLATFORM'
  | 'ERR_TSPOD_UNSAFE_LAYER'
  | 'ERR_TSPOD_LAYER'
  | 'ERR_TSPOD_SYSCALL'
  | 'ERR_TSPOD_SUBPROCESS'
  | 'ERR_TSPOD_USERNS'
  | 'ERR_TSPOD_STORAGE'
  | 'ERR_TSPOD_LOCKED'
  | 'ERR_TSPOD_CONFIG'
  | 'ERR_TSPOD_CANNOT_INVOKE'
  | 'ERR_TSPOD_COMMAND_NOT_FOUND'
  | 'ERR_TSPOD_CONTAINER_SETUP'
  | 'ERR_TSPOD_NETWORK'
  | 'ERR_TSPOD_NO_SUCH_NETWORK'
  | 'ERR_TSPOD_NO_SUCH_VOLUME'
  | 'ERR_TSPOD_VOLUME_IN_USE'
  | 'ERR_TSPOD_PORT_IN_USE'
  | 'ERR_TSPOD_PORT_DENIED'
  | 'ERR_TSPOD_ARCHIVE'
  | 'ERR_TSPOD_CGROUP'
  | 'ERR_TSPOD_UNSUPPORTED_ARCH'
  | 'ERR_TSPOD_DOCKERFILE'
  | 'ERR_TSPOD_BUILD';

export class TspodError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  constructor(code: ErrorCode, message: string, opts: { exitCode?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TspodError';
    this.code = code;
    this.exitCode = opts.exitCode ?? EXIT_TSPOD_FAILED;
  }
}

/** Bad input from the user: a flag, an argument, a value. */
export class UsageError extends TspodError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super('ERR_TSPOD_USAGE', message, opts);
  }
}

/** A failed system call: "mounting overlay at `/x`: EPERM". */
export class SyscallError extends TspodError {
  readonly errno: number;
  readonly errnoName: string;
  constructor(what: string, errno: number, errnoName: string) {
    super('ERR_TSPOD_SYSCALL', `${what}: ${errnoName}`);
    this.errno = errno;
    this.errnoName = errnoName;
  }
}

/** A subprocess (unshare, newuidmap, ...) that exited badly. */
export class SubprocessError extends TspodError {
  readonly status: number | null;
  readonly stderr: string;
  constructor(argv: readonly string[], status: number | null, stderr: string) {
    const tail = stderr.trim().split('\n').pop() ?? '';
    super('ERR_TSPOD_SUBPROCESS', `running \`${argv[0]}\`: exit status ${status}${tail ? `: ${tail}` : ''}`);
    this.status = status;
    this.stderr = stderr;
  }
}

export class RegistryError extends TspodError {
  /** Whether retrying the same request may succeed (5xx, resets, timeouts). */
  readonly temporary: boolean;
  readonly status?: number;
  constructor(message: string, opts: { temporary?: boolean; status?: number; code?: ErrorCode; cause?: unknown } = {}) {
    super(opts.code ?? 'ERR_TSPOD_REGISTRY', message, { cause: opts.cause });
    this.temporary = opts.temporary ?? false;
    this.status = opts.status;
  }
}

const SPACE = new Set(['ENOSPC', 'EDQUOT']);

/**
 * A failed file operation as one line: what was done, the path, the cause.
 * A full disk or quota gets its own code (not worth retrying; freeing space helps).
 */
export function fileError(what: string, file: string, err: unknown): TspodError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code && SPACE.has(code)) {
    return new TspodError('ERR_TSPOD_NO_SPACE', `${what} \`${file}\`: no space left on device (${code}); free some space and try again`, { cause: err });
  }
  return new TspodError('ERR_TSPOD_STORAGE', `${what} \`${file}\`: ${code ?? (err as Error).message ?? String(err)}`, { cause: err });
}

/** Renders any thrown value as the one line a user sees. */
export function describeError(err: unknown): string {
  if (err instanceof TspodError) return err.message;
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

export function exitCodeOf(err: unknown): number {
  return err instanceof TspodError ? err.exitCode : EXIT_TSPOD_FAILED;
}
