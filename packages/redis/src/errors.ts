import { MlstackError } from "@mlstack/core";

// Replies that mean "not now": the server is loading, busy with a script, failing over or read-only.
const TRANSIENT_REPLIES = ["LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN", "READONLY"];
const DENIED_REPLIES = ["NOAUTH", "NOPERM", "WRONGPASS"];
const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"]);

/**
 * Maps an ioredis error to an MlstackError, keeping it as `cause`; MlstackErrors pass through. A lost or
 * unreachable server (closed connection, retries exhausted, command timeout, refused connection) and a
 * server that says "not now" are `UNAVAILABLE` and retryable; an out-of-memory server is
 * `RESOURCE_EXHAUSTED`; refused credentials are `PERMISSION_DENIED`; a key of the wrong type (another
 * application writing under our prefix) is `FAILED_PRECONDITION`.
 */
export function mapRedisError(error: unknown, what: string): MlstackError {
  if (error instanceof MlstackError) return error;
  const err = error as { name?: unknown; message?: unknown; code?: unknown };
  const message = typeof err.message === "string" ? err.message : String(error);
  const name = typeof err.name === "string" ? err.name : "";
  const text = `${what}: ${message}`;
  const details = { redisError: name, redisMessage: message };
  if (name === "ReplyError") {
    const reply = message.split(" ", 1)[0] ?? "";
    if (TRANSIENT_REPLIES.includes(reply)) return new MlstackError("UNAVAILABLE", text, { details, cause: error });
    if (reply === "OOM") return new MlstackError("RESOURCE_EXHAUSTED", text, { details, cause: error });
    if (DENIED_REPLIES.includes(reply)) return new MlstackError("PERMISSION_DENIED", text, { details, cause: error });
    if (reply === "WRONGTYPE") return new MlstackError("FAILED_PRECONDITION", text, { details, cause: error });
    return new MlstackError("INTERNAL", text, { details, cause: error });
  }
  if (
    name === "MaxRetriesPerRequestError" ||
    (typeof err.code === "string" && CONNECTION_CODES.has(err.code)) ||
    /Connection is closed|Stream isn't writeable|Command timed out|connect ETIMEDOUT|Reached the max retries/i.test(
      message,
    )
  ) {
    return new MlstackError("UNAVAILABLE", `${text} (the Redis server is unreachable)`, {
      details,
      cause: error,
      retryable: true,
    });
  }
  return new MlstackError("INTERNAL", text, { details, cause: error });
}
