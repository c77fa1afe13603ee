import { type ErrorCode, MlstackError } from "@mlstack/core";

/** The HTTP status of each error code, as the server answers it. */
export const STATUS_OF_CODE: Readonly<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL: 500,
  DATA_CORRUPTION: 500,
  NOT_SUPPORTED: 501,
  UNAVAILABLE: 503,
  CANCELLED: 503,
  TIMEOUT: 504,
};

/** The error code a client gives an HTTP error status. */
export function codeOfStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
    case 413:
    case 415:
    case 422:
      return "INVALID_ARGUMENT";
    case 401:
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 405:
    case 501:
      return "NOT_SUPPORTED";
    case 409:
      return "CONFLICT";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 504:
    case 408:
      return "TIMEOUT";
    case 500:
      return "INTERNAL";
    default:
      return status >= 500 ? "UNAVAILABLE" : "INVALID_ARGUMENT";
  }
}

/** An MlstackError for an HTTP error answer, keeping the status and the server's message. */
export function errorFromResponse(status: number, message: string, url: string): MlstackError {
  return new MlstackError(codeOfStatus(status), message, { details: { status, url } });
}
