import { MlstackError, parseInput } from "@mlstack/core";
import { z } from "zod";
import { type InferenceRequest, type PredictOptions, predictOptionsSchema } from "../schemas.js";
import type { InferencePredictor, InferenceResponse, ModelMetadata, ServerMetadata } from "../spec.js";
import { errorFromResponse } from "./http-status.js";

/** One HTTP answer the client received, for logging or validating bodies against the protocol spec. */
export interface ClientResponseInfo {
  method: string;
  path: string;
  status: number;
  /** The parsed JSON body (`undefined` when the body was empty or not JSON). */
  body: unknown;
}

/** Options of {@link createInferenceClient}. */
export interface InferenceClientOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** Header carrying `routingKey`; `x-routing-key` by default. */
  routingKeyHeader?: string;
  /** The fetch to use; the global one by default. */
  fetch?: typeof fetch;
  /** Called with every answer, before it is interpreted. */
  onResponse?: (info: ClientResponseInfo) => void;
}

const baseUrlSchema = z.url({ protocol: /^https?$/ });

/**
 * A typed Open Inference Protocol (V2 REST) client for any V2 server: ours, KServe, MLServer, Triton.
 * It speaks the same {@link InferencePredictor} interface as the in-process engine. HTTP errors become
 * MlstackErrors by status (400 → INVALID_ARGUMENT, 404 → NOT_FOUND, 429 → RESOURCE_EXHAUSTED,
 * 503 → UNAVAILABLE, 500 → INTERNAL, ...) with the server's message; network failures are UNAVAILABLE.
 * `timeoutMs` travels as the request parameter `timeout_ms`, which our server honours as a deadline.
 */
export function createInferenceClient(baseUrl: string, options: InferenceClientOptions = {}): InferencePredictor {
  const base = parseInput(baseUrlSchema, baseUrl, "base URL").replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  const keyHeader = options.routingKeyHeader ?? "x-routing-key";
  const common: Record<string, string> = { accept: "application/json", ...options.headers };
  if (options.token !== undefined) common.authorization = `Bearer ${options.token}`;

  const modelPath = (model: string, version?: string) =>
    `/v2/models/${encodeURIComponent(model)}${version === undefined ? "" : `/versions/${encodeURIComponent(version)}`}`;

  async function call(method: string, path: string, body?: unknown, extra: RequestInit = {}, headers = {}) {
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        ...extra,
        method,
        headers: { ...common, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      if ((error as Error)?.name === "AbortError")
        throw new MlstackError("CANCELLED", "request aborted", { cause: error });
      throw new MlstackError("UNAVAILABLE", `cannot reach ${base}: ${(error as Error).message}`, { cause: error });
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    options.onResponse?.({ method, path, status: res.status, body: parsed });
    return { status: res.status, body: parsed as Record<string, unknown> | undefined, text };
  }

  function fail(status: number, body: Record<string, unknown> | undefined, text: string, path: string): never {
    const message = typeof body?.error === "string" ? body.error : text || `HTTP ${status}`;
    throw errorFromResponse(status, message, `${base}${path}`);
  }

  async function get<T>(path: string): Promise<T> {
    const r = await call("GET", path);
    if (r.status !== 200) fail(r.status, r.body, r.text, path);
    return r.body as T;
  }

  // Probes answer 200 for yes and 503 for no; anything else is an error.
  async function probe(path: string): Promise<boolean> {
    const r = await call("GET", path);
    if (r.status === 200) return true;
    if (r.status === 503) return false;
    return fail(r.status, r.body, r.text, path);
  }

  return {
    async predict(model: string, request: InferenceRequest, predictOptions?: PredictOptions) {
      const opts =
        predictOptions === undefined ? {} : parseInput(predictOptionsSchema, predictOptions, "predict options");
      const path = `${modelPath(model, opts.version)}/infer`;
      const body =
        opts.timeoutMs === undefined
          ? request
          : { ...request, parameters: { ...(request.parameters ?? {}), timeout_ms: opts.timeoutMs } };
      const headers = opts.routingKey === undefined ? {} : { [keyHeader]: opts.routingKey };
      const r = await call("POST", path, body, opts.signal ? { signal: opts.signal } : {}, headers);
      if (r.status !== 200) fail(r.status, r.body, r.text, path);
      return r.body as unknown as InferenceResponse;
    },
    modelMetadata: (model, version) => get<ModelMetadata>(modelPath(model, version)),
    modelReady: (model, version) => probe(`${modelPath(model, version)}/ready`),
    serverReady: () => probe("/v2/health/ready"),
    async serverLive() {
      try {
        return await probe("/v2/health/live");
      } catch (error) {
        if (error instanceof MlstackError && error.code === "UNAVAILABLE") return false;
        throw error;
      }
    },
    serverMetadata: () => get<ServerMetadata>("/v2"),
  };
}
