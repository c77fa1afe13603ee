import type { ZodError } from "zod";

/** Every error code mlstack uses. Codes are the contract; messages may change. */
export const ERROR_CODES = [
  "INVALID_ARGUMENT",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "CONFLICT",
  "FAILED_PRECONDITION",
  "NOT_SUPPORTED",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "UNAVAILABLE",
  "TIMEOUT",
  "CANCELLED",
  "DATA_CORRUPTION",
  "INTERNAL",
] as const;

/** A stable error code, one of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

// Transient conditions: a retry of the same call may succeed.
const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "UNAVAILABLE",
  "TIMEOUT",
  "RESOURCE_EXHAUSTED",
]);

// A registry-wide symbol, so two copies of this package recognise each other's errors.
const MLSTACK_ERROR_MARKER = Symbol.for("@mlstack/core/error");

/** Options of {@link MlstackError}. */
export interface MlstackErrorOptions {
  /** Whether retrying the same call may succeed; defaults by code (UNAVAILABLE, TIMEOUT, RESOURCE_EXHAUSTED). */
  retryable?: boolean;
  /** Structured facts about the failure: issue paths, conflicting values, the missing permission. */
  details?: Record<string, unknown>;
  /** The underlying error, e.g. a vendor driver's. */
  cause?: unknown;
}

/** The one error type every mlstack brick throws. */
export class MlstackError extends Error {
  /** The stable error code. */
  readonly code: ErrorCode;
  /** Whether retrying the same call may succeed. */
  readonly retryable: boolean;
  /** Structured details; never contains secrets. */
  readonly details: Readonly<Record<string, unknown>>;
  declare readonly [MLSTACK_ERROR_MARKER]: true;

  constructor(code: ErrorCode, message: string, options: MlstackErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "MlstackError";
    this.code = code;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.details = Object.freeze({ ...(options.details ?? {}) });
    Object.defineProperty(this, MLSTACK_ERROR_MARKER, { value: true, enumerable: false });
  }

  /** A plain object for logs and HTTP bodies (the cause is summarised, not serialised). */
  toJSON(): { name: string; code: ErrorCode; message: string; retryable: boolean; details: Record<string, unknown> } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      details: { ...this.details },
    };
  }
}

/**
 * True when `error` is an {@link MlstackError}, also one thrown by another copy of this package.
 * With `code`, also checks the code.
 */
export function isMlstackError(error: unknown, code?: ErrorCode): error is MlstackError {
  if (typeof error !== "object" || error === null) return false;
  if ((error as Record<symbol, unknown>)[MLSTACK_ERROR_MARKER] !== true) return false;
  return code === undefined || (error as MlstackError).code === code;
}

/** One validation problem, with the path of the offending value. */
export interface ValidationIssue {
  /** Dotted path such as `entityRows.3.user_id` (empty for the root). */
  path: string;
  message: string;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p) => String(p)).join(".");
}

/** Turns a `ZodError` into `INVALID_ARGUMENT`, listing every issue with its path in `details.issues`. */
export function fromZodError(error: ZodError, what = "input"): MlstackError {
  const issues: ValidationIssue[] = error.issues.map((issue) => ({
    path: formatPath(issue.path),
    message: issue.message,
  }));
  const summary = issues
    .slice(0, 5)
    .map((i) => (i.path === "" ? i.message : `${i.path}: ${i.message}`))
    .join("; ");
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : "";
  return new MlstackError("INVALID_ARGUMENT", `invalid ${what}: ${summary}${more}`, {
    details: { issues },
    cause: error,
  });
}

/** Wraps any thrown value as an MlstackError, keeping MlstackErrors as they are. */
export function toMlstackError(error: unknown, fallback: ErrorCode = "INTERNAL"): MlstackError {
  if (isMlstackError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new MlstackError(fallback, message, { cause: error });
}
