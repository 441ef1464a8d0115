/**
 * The helper's structured error report (native/helper/report.h), parsed as untrusted input:
 *   {"step":"exec","errno":2,"exitCode":127,"message":"exec: \"foo\": executable file not found in $PATH"}
 * and the one BerthError it becomes, StartError. Its kind comes from the step, never from
 * the message: the steps where the user's input is what failed (the command, the user, the
 * working directory, a bind source, a --device) are InvalidParameter, the rest System. The
 * exit code is the helper's (Docker's 125/126/127), the errno travels as its name.
 */
import { BerthError, type ErrorKind } from '../errors';
import { errnoName } from '../../native/ffi';

export interface HelperFailure {
  step: string;
  errno: number;
  exitCode: number;
  message: string;
}

/** Steps whose failure is the user's mistake (native/helper: berth_error_set_step calls). */
const USER_STEPS = new Set(['exec', 'user', 'cwd', 'binds', 'devices']);

export function kindOfStep(step: string): ErrorKind {
  return USER_STEPS.has(step) ? 'InvalidParameter' : 'System';
}

/** Reads a report; undefined when v is not one (then the caller says what it got instead). */
export function parseHelperFailure(v: unknown): HelperFailure | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.message !== 'string' || o.message === '') return undefined;
  return {
    step: typeof o.step === 'string' && /^[a-z_-]{1,31}$/.test(o.step) ? o.step : 'setup',
    errno: Number.isInteger(o.errno) && (o.errno as number) >= 0 ? (o.errno as number) : 0,
    exitCode: Number.isInteger(o.exitCode) && (o.exitCode as number) > 0 && (o.exitCode as number) < 256 ? (o.exitCode as number) : 125,
    message: o.message,
  };
}

/**
 * A container or exec process that could not start. exitCode follows Docker: 127 command not
 * found, 126 not executable, 125 anything else. code: HELPER_<STEP>, stable per step.
 */
export class StartError extends BerthError {
  readonly step: string;
  readonly errno: number;
  readonly exitCode: number;

  constructor(f: HelperFailure) {
    super(kindOfStep(f.step), f.message, { code: `HELPER_${f.step.toUpperCase().replace(/-/g, '_')}` });
    this.name = 'StartError';
    this.step = f.step;
    this.errno = f.errno;
    this.exitCode = f.exitCode;
  }

  /** The errno's name (ENOENT ...), for logs; undefined when the failure had none. */
  get errnoName(): string | undefined {
    return this.errno ? errnoName(this.errno) : undefined;
  }
}
