/**
 * Errors a user can act on. `UsageError` (bad flags, bad input files) maps to exit code 2;
 * `DeviceError` (no adapter, a failed GPU call) to exit code 3; anything else is a bug (exit 1).
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}

export class InputError extends UsageError {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

export class DeviceError extends Error {
  override readonly name = 'DeviceError';
  readonly exitCode = 3;
}

/** A batch that finished, but some of its inputs failed (each is named in its summary): exit code 4. */
export class BatchFailedError extends Error {
  override readonly name = 'BatchFailedError';
  readonly exitCode = 4;
}

/** Ctrl-C (SIGINT) or SIGTERM stopped a batch; what finished is kept: exit code 130, as a shell reports it. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  readonly exitCode = 130;
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return error.exitCode;
  if (error instanceof DeviceError) return error.exitCode;
  if (error instanceof BatchFailedError || error instanceof InterruptedError) return error.exitCode;
  return 1;
}
