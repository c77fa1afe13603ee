import { type ErrorCode, MlstackError } from "@mlstack/core";

/** Options of {@link mapPostgresError}. */
export interface MapPostgresErrorOptions {
  /** Replaces the driver's message (the driver error stays as `cause`). */
  readonly message?: string;
  /** What a unique violation (23505) means to the caller; default `CONFLICT`. */
  readonly uniqueViolation?: "ALREADY_EXISTS" | "CONFLICT";
}

// Socket-level failures of the driver: the server is away or the connection broke.
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);
// pg reports a dropped connection, a pool checkout timeout and a dead client with plain Errors.
const NETWORK_MESSAGE =
  /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Cannot use a pool after calling end/i;

function classify(sqlState: string, options: MapPostgresErrorOptions): [ErrorCode, boolean] | undefined {
  const cls = sqlState.slice(0, 2);
  if (cls === "08" || sqlState === "57P01" || sqlState === "57P02" || sqlState === "57P03")
    return ["UNAVAILABLE", true];
  if (sqlState === "53300") return ["UNAVAILABLE", true]; // too many connections
  if (sqlState === "23505") return [options.uniqueViolation ?? "CONFLICT", false];
  if (sqlState === "40001" || sqlState === "40P01") return ["CONFLICT", true];
  if (sqlState === "55P03") return ["CONFLICT", true]; // lock not available
  if (sqlState === "57014") return ["TIMEOUT", true]; // statement timeout or cancel
  if (cls === "53") return ["RESOURCE_EXHAUSTED", false];
  if (cls === "28" || sqlState === "42501") return ["PERMISSION_DENIED", false];
  if (cls === "22" || cls === "23") return ["INVALID_ARGUMENT", false];
  if (sqlState === "XX001" || sqlState === "XX002") return ["DATA_CORRUPTION", false];
  return undefined;
}

/**
 * The one place where `pg` errors become MlstackErrors (the driver error kept as `cause`, its SQLSTATE
 * in `details.sqlState`): a broken or refused connection, an administrator shutdown (57P01) or any
 * 08xxx is `UNAVAILABLE` and retryable; a serialization failure or deadlock is a retryable `CONFLICT`;
 * a unique violation is `CONFLICT` or `ALREADY_EXISTS` as the caller decides. MlstackErrors pass through.
 */
export function mapPostgresError(error: unknown, options: MapPostgresErrorOptions = {}): MlstackError {
  if (error instanceof MlstackError) return error;
  const raw = error as { code?: unknown; message?: unknown };
  const code = typeof raw?.code === "string" ? raw.code : "";
  const driverMessage = typeof raw?.message === "string" ? raw.message : String(error);
  const message = options.message ? `${options.message}: ${driverMessage}` : `postgres: ${driverMessage}`;
  const details = code === "" ? {} : { sqlState: code };
  if (NETWORK_CODES.has(code) || (code === "" && NETWORK_MESSAGE.test(driverMessage))) {
    return new MlstackError("UNAVAILABLE", message, { retryable: true, details, cause: error });
  }
  const mapped = /^[0-9A-Z]{5}$/.test(code) ? classify(code, options) : undefined;
  if (mapped !== undefined) {
    return new MlstackError(mapped[0], message, { retryable: mapped[1], details, cause: error });
  }
  return new MlstackError("INTERNAL", message, { details, cause: error });
}
