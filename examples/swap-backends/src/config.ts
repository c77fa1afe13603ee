// The backend configuration, validated: the only thing that changes from one backend to the next.
// Connection strings are SecretRefs, so they never show in logs, errors or `stack.toJSON()`.
import { parseInput } from "@mlstack/core";
import { isSecretRef, SecretRef } from "@mlstack/stack";
import { z } from "zod";

/** The PostgreSQL server used when `MLSTACK_PG_URL` is not set. */
export const DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test";

/** The Redis server used when `MLSTACK_REDIS_URL` is not set. */
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/** The backends the application runs on. */
export const BACKENDS = ["memory", "embedded", "servers"] as const;

/** One of {@link BACKENDS}. */
export type Backend = (typeof BACKENDS)[number];

const secretRef = z.custom<SecretRef>(isSecretRef, "expected a SecretRef (SecretRef.env or SecretRef.value)");
const folder = z.string().min(1);

/** The zod schema of {@link BackendConfig}. */
export const backendConfigSchema = z.discriminatedUnion("backend", [
  z.object({ backend: z.literal("memory") }).strict(),
  z.object({ backend: z.literal("embedded"), folder }).strict(),
  z
    .object({
      backend: z.literal("servers"),
      postgres: z
        .object({
          connectionString: secretRef,
          /** The schema holding every table; created if absent. */
          schema: z
            .string()
            .regex(/^[a-z_][a-z0-9_]{0,62}$/, "lowercase letters, digits and _")
            .default("mlstack_swap_backends"),
        })
        .strict(),
      redis: z
        .object({
          url: secretRef,
          /** Prepended to every online-feature key. */
          keyPrefix: z.string().min(1).default("mlstack:swap-backends"),
        })
        .strict(),
      /** Where the shared artifacts, data objects, deployments and Monitor live (a shared folder in production). */
      folder,
    })
    .strict(),
]);

/**
 * Where the stack keeps its state: `memory` (nothing survives the process), `embedded` (SQLite files and
 * folders under `folder`), or `servers` (PostgreSQL for metadata, feature registry and offline rows, and
 * data refs; Redis for online features; files under `folder` for what the servers do not hold).
 */
export type BackendConfig = z.output<typeof backendConfigSchema>;

/** A configuration as written (defaults not yet applied). */
export type BackendConfigInput = z.input<typeof backendConfigSchema>;

/** Validates a configuration; `INVALID_ARGUMENT` naming every problem. */
export function parseBackendConfig(input: unknown): BackendConfig {
  return parseInput(backendConfigSchema, input, "backend config");
}

/** Options of {@link configFromEnv}. */
export interface ConfigFromEnvOptions {
  /** The folder of the `embedded` and `servers` backends. */
  readonly folder?: string;
  readonly schema?: string;
  readonly keyPrefix?: string;
  /** Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The configuration of a backend from the environment: `MLSTACK_PG_URL` and `MLSTACK_REDIS_URL` (read
 * only when a connection opens), else the local servers.
 */
export function configFromEnv(backend: string, options: ConfigFromEnvOptions = {}): BackendConfig {
  const env = options.env ?? process.env;
  const secret = (name: string, fallback: string) =>
    env[name] ? SecretRef.env(name, env) : SecretRef.value(fallback, `default ${name}`);
  return parseBackendConfig({
    backend,
    ...(backend === "memory" ? {} : { folder: options.folder }),
    ...(backend === "servers"
      ? {
          postgres: {
            connectionString: secret("MLSTACK_PG_URL", DEFAULT_POSTGRES_URL),
            ...(options.schema === undefined ? {} : { schema: options.schema }),
          },
          redis: {
            url: secret("MLSTACK_REDIS_URL", DEFAULT_REDIS_URL),
            ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
          },
        }
      : {}),
  });
}
