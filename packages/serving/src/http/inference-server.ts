import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isMlstackError } from "@mlstack/core";
import type { InferenceRequest } from "../schemas.js";
import type { ServingEngine } from "../spec.js";
import { STATUS_OF_CODE } from "./http-status.js";
import { createServingMetrics, type ServingMetrics } from "./serving-metrics.js";

/** Options of {@link createInferenceServer}. */
export interface InferenceServerOptions {
  /** Interface to bind; `127.0.0.1` by default (loopback only). */
  host?: string;
  /** Port; `0` (the default) picks a free one. */
  port?: number;
  /** Largest request body accepted, in bytes; 16 MiB by default. Larger bodies get 413. */
  maxBodyBytes?: number;
  /** When set, every endpoint but the health probes needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Seconds a 503 tells clients to wait (`Retry-After`). */
  retryAfterSeconds?: number;
  /** Serve `GET /metrics`; true by default. */
  metrics?: boolean;
  /** Header carrying the sticky routing key; `x-routing-key` by default. */
  routingKeyHeader?: string;
}

/** A running Open Inference Protocol server. */
export interface InferenceServer {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  /** The server's metrics (its own registry), when enabled. */
  readonly metrics: ServingMetrics | undefined;
  /** Refuses new requests, finishes in-flight ones, then closes every connection; idempotent. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const JSON_TYPE = "application/json";

function send(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  const text = JSON.stringify(body);
  const length = Buffer.byteLength(text);
  res.writeHead(
    status,
    headers === undefined
      ? { "content-type": JSON_TYPE, "content-length": length }
      : { "content-type": JSON_TYPE, "content-length": length, ...headers },
  );
  res.end(text);
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

type Route =
  | { kind: "live" | "ready" | "server" | "metrics" }
  | { kind: "model" | "model-ready" | "infer"; name: string; version: string | undefined };

function segment(s: string): string {
  if (!s.includes("%")) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, `malformed path segment ${s}`);
  }
}

// Paths: /v2/health/{live,ready}, /v2, /v2/models/{m}[/versions/{v}][/ready|/infer], /metrics.
function route(path: string): Route | undefined {
  if (path === "/metrics") return { kind: "metrics" };
  if (path === "/v2" || path === "/v2/") return { kind: "server" };
  if (path === "/v2/health/live") return { kind: "live" };
  if (path === "/v2/health/ready") return { kind: "ready" };
  const parts = path.split("/");
  if (parts[1] !== "v2" || parts[2] !== "models" || !parts[3]) return undefined;
  const name = segment(parts[3]);
  let rest = parts.slice(4);
  let version: string | undefined;
  if (rest[0] === "versions") {
    if (!rest[1]) return undefined;
    version = segment(rest[1]);
    rest = rest.slice(2);
  }
  if (rest.length === 0) return { kind: "model", name, version };
  if (rest.length === 1 && rest[0] === "ready") return { kind: "model-ready", name, version };
  if (rest.length === 1 && rest[0] === "infer") return { kind: "infer", name, version };
  return undefined;
}

// Clients call the same few paths over and over: their parsed routes are kept (routes are immutable).
const ROUTE_CACHE_SIZE = 512;

function cachedRoute(cache: Map<string, Route>, path: string): Route | undefined {
  const hit = cache.get(path);
  if (hit) return hit;
  const r = route(path);
  if (r) {
    if (cache.size >= ROUTE_CACHE_SIZE) cache.clear();
    cache.set(path, r);
  }
  return r;
}

const JSON_CONTENT_TYPE = /^application\/json\s*(;|$)/i;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (declared > limit) return Promise.reject(new HttpError(413, `body of ${declared} bytes exceeds ${limit} bytes`));
  return new Promise((resolve, reject) => {
    // Most bodies arrive in one chunk: the array is only made for a second one.
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    let failed = false;
    // Inline, unnamed listeners: nothing per request beyond the closures themselves.
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        first = undefined;
        chunks = undefined;
        // Keep reading into nothing so the client can finish sending and read the 413.
        req.resume();
        reject(new HttpError(413, `body exceeds ${limit} bytes`));
        return;
      }
      if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    });
    req.on("end", () => {
      if (failed) return;
      resolve(chunks ? Buffer.concat(chunks) : (first ?? Buffer.alloc(0)));
    });
    req.on("error", reject);
  });
}

/**
 * Serves an engine over the Open Inference Protocol REST API (KServe V2), plus `GET /metrics`.
 * Unversioned inference paths follow the deployment's traffic split; the sticky key is the
 * `x-routing-key` header or the `routing_key` request parameter. Every error is `{"error": "..."}`.
 */
export async function createInferenceServer(
  engine: ServingEngine,
  options: InferenceServerOptions = {},
): Promise<InferenceServer> {
  const limit = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  const keyHeader = (options.routingKeyHeader ?? "x-routing-key").toLowerCase();
  const token = options.token === undefined ? undefined : digest(options.token);
  const metrics = options.metrics === false ? undefined : createServingMetrics(engine);
  let closing = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;

  const authorized = (req: IncomingMessage): boolean => {
    if (!token) return true;
    const header = req.headers.authorization ?? "";
    const given = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
    // Comparing fixed-length digests keeps the time independent of where the strings differ and of their lengths.
    return timingSafeEqual(digest(given), token) && given.length > 0;
  };

  const routes = new Map<string, Route>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const r = cachedRoute(routes, path);
    if (!r) throw new HttpError(404, `no such endpoint: ${req.method} ${path}`);
    const method = r.kind === "infer" ? "POST" : "GET";
    if (req.method !== method && !(method === "GET" && req.method === "HEAD")) {
      throw new HttpError(405, `${req.method} is not allowed on ${path}`, { allow: method });
    }
    if (r.kind !== "live" && r.kind !== "ready" && !authorized(req)) {
      throw new HttpError(401, "missing or wrong bearer token", { "www-authenticate": 'Bearer realm="mlstack"' });
    }
    switch (r.kind) {
      case "live":
        return send(res, 200, { live: true });
      case "ready":
        if (await engine.serverReady()) return send(res, 200, { ready: true });
        return send(
          res,
          503,
          { ready: false, error: "not ready: no deployment, or one is not ready" },
          {
            "retry-after": retryAfter,
          },
        );
      case "server":
        return send(res, 200, await engine.serverMetadata());
      case "metrics": {
        if (!metrics) throw new HttpError(404, "metrics are disabled");
        const text = await metrics.render();
        res.writeHead(200, { "content-type": metrics.contentType, "content-length": Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      case "model":
        return send(res, 200, await engine.modelMetadata(r.name, r.version));
      case "model-ready": {
        const ready = await engine.modelReady(r.name, r.version);
        if (ready) return send(res, 200, { name: r.name, ready: true });
        return send(
          res,
          503,
          { name: r.name, ready: false, error: `model ${r.name} is not ready` },
          {
            "retry-after": retryAfter,
          },
        );
      }
      case "infer": {
        const type = req.headers["content-type"];
        if (type !== undefined && type !== JSON_TYPE && !JSON_CONTENT_TYPE.test(type)) {
          throw new HttpError(415, `content type must be ${JSON_TYPE}, got ${type}`);
        }
        const body = await readBody(req, limit);
        let request: unknown;
        try {
          request = JSON.parse(body.toString("utf8"));
        } catch (error) {
          throw new HttpError(400, `body is not valid JSON: ${(error as Error).message}`);
        }
        const key = req.headers[keyHeader];
        const routed = r.version === undefined && typeof key !== "string";
        const response = await engine.predict(
          r.name,
          request as InferenceRequest,
          routed
            ? undefined
            : {
                ...(r.version !== undefined && { version: r.version }),
                ...(typeof key === "string" && { routingKey: key }),
              },
        );
        return send(res, 200, response);
      }
    }
  };

  const fail = (res: ServerResponse, error: unknown): void => {
    if (res.headersSent) return;
    if (error instanceof HttpError) {
      const headers = error.status === 413 ? { ...error.headers, connection: "close" } : error.headers;
      send(res, error.status, { error: error.message }, headers);
      return;
    }
    const status = isMlstackError(error) ? STATUS_OF_CODE[error.code] : 500;
    const message = isMlstackError(error) ? error.message : "internal error";
    send(res, status, { error: message }, status === 503 ? { "retry-after": retryAfter } : undefined);
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      await handle(req, res);
    } catch (error) {
      fail(res, error);
    } finally {
      inFlight--;
      if (closing && inFlight === 0) drained?.();
    }
  };

  const server = createServer((req, res) => {
    if (closing) {
      send(res, 503, { error: "the server is shutting down" }, { connection: "close", "retry-after": retryAfter });
      return;
    }
    inFlight++;
    void serve(req, res);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    server,
    metrics,
    close() {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
        server.closeIdleConnections();
        // Connections still open after the last answer are idle keep-alives; nothing is lost closing them.
        server.closeAllConnections();
        await stopped;
        metrics?.close();
      })();
      return closed;
    },
  };
}
