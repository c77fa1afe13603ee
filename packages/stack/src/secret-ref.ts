import { inspect } from "node:util";
import { MlstackError } from "@mlstack/core";

const REDACTED = "[secret]";
const MARKER = Symbol.for("mlstack.SecretRef");

/**
 * A secret in configuration (a password, a connection string with one). It prints as `[secret]` in
 * logs, errors, `JSON.stringify` and `util.inspect`; only {@link SecretRef.reveal} gives the value, to
 * the code that opens the connection.
 */
export class SecretRef {
  readonly [MARKER] = true;
  /** What the secret is, for messages: never the value. */
  readonly label: string;
  readonly #read: () => string | undefined;

  private constructor(label: string, read: () => string | undefined) {
    this.label = label;
    this.#read = read;
  }

  /** A secret read from an environment variable when revealed. */
  static env(name: string, env: NodeJS.ProcessEnv = process.env): SecretRef {
    return new SecretRef(`env:${name}`, () => env[name]);
  }

  /** A secret held in memory (e.g. read from a vault by the caller). */
  static value(value: string, label = "value"): SecretRef {
    return new SecretRef(label, () => value);
  }

  /** The value; `FAILED_PRECONDITION` when it is not set (the message names the label, not the value). */
  reveal(): string {
    const value = this.#read();
    if (value === undefined || value === "") {
      throw new MlstackError("FAILED_PRECONDITION", `secret ${this.label} is not set`);
    }
    return value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `SecretRef(${this.label})`;
  }
}

/** Whether a value is a {@link SecretRef} (also one from another copy of this package). */
export function isSecretRef(value: unknown): value is SecretRef {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
}

/** A deep copy of plain data with every {@link SecretRef} replaced by `[secret]`. */
export function redactSecrets(value: unknown): unknown {
  if (isSecretRef(value)) return REDACTED;
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v)]));
  }
  return value;
}
