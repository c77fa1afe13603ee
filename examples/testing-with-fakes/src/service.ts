import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isMlstackError, parseInput } from "@mlstack/core";
import type { FeatureStatus, FeatureStore } from "@mlstack/features";
import type { InferencePredictor, Signature } from "@mlstack/serving";
import { rowsToInferenceRequest } from "@mlstack/stack";
import { z } from "zod";

/** Options of {@link createScoringService}. */
export interface ScoringServiceOptions {
  /**
   * Where features and predictions come from. A Stack fits (`createTestStack()` in tests, your composed
   * stack in production), and so does any pair of a FeatureStore and an inference predictor.
   */
  readonly stack: { readonly features: Pick<FeatureStore, "getOnlineFeatures">; readonly serving: InferencePredictor };
  /** The deployment that scores. */
  readonly deployment: string;
  /** The feature service the model reads (or `features`, a list of `view:feature` references). */
  readonly featureService?: string;
  readonly features?: readonly string[];
  /** The entity's join key in request bodies and online reads; default `applicant_id`. */
  readonly entityKey?: string;
  /** Largest request body in bytes; default 16 KiB. */
  readonly maxBodyBytes?: number;
}

/** The answer of `POST /score`. */
export interface ScoreResponse {
  /** The model's first output for the applicant (a probability for a classifier). */
  readonly score: number;
  /** The model version that answered (with a canary, the traffic split picks it per applicant). */
  readonly model_version: string;
  /** The status of every online feature the score used (`PRESENT`, `STALE`, ...). */
  readonly features: Readonly<Record<string, FeatureStatus>>;
}

const object = z.custom<object>((v) => typeof v === "object" && v !== null, "expected an object");

const optionsSchema = z
  .object({
    stack: z.object({ features: object, serving: object }),
    deployment: z.string().min(1),
    featureService: z.string().min(1).optional(),
    features: z.array(z.string().min(1)).min(1).optional(),
    entityKey: z.string().min(1).optional(),
    maxBodyBytes: z.number().int().positive().optional(),
  })
  .refine((o) => (o.featureService === undefined) !== (o.features === undefined), {
    message: "give exactly one of featureService and features",
    path: ["featureService"],
  });

/** An answer other than 200, with its HTTP status. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A scoring service over HTTP: `POST /score` with `{ "applicant_id": ... }` reads the applicant's
 * online features, scores them on the deployment (Open Inference Protocol) and answers
 * `{ score, model_version, features }`. 400 for a bad body, 404 for an applicant with no online
 * features, 422 when a feature has no value, 503 when the deployment is missing or not ready.
 * Options are checked (`INVALID_ARGUMENT`).
 * Returns the server unstarted: call `listen`.
 */
export function createScoringService(options: ScoringServiceOptions): Server {
  parseInput(optionsSchema, options, "scoring service options");
  const entityKey = options.entityKey ?? "applicant_id";
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024;
  const bodySchema = z.object({ [entityKey]: z.union([z.string().min(1), z.number().int()]) }).strict();
  const { features, serving } = options.stack;
  const selection = options.featureService ? { service: options.featureService } : { features: options.features };

  async function score(body: unknown): Promise<ScoreResponse> {
    const parsed = bodySchema.safeParse(body);
    if (!parsed.success) throw new HttpError(400, "INVALID_ARGUMENT", z.prettifyError(parsed.error));
    const request = parsed.data;
    const entity = request[entityKey] as string | number;
    const online = await features.getOnlineFeatures({ ...selection, entityRows: [{ [entityKey]: entity }] });
    const row = online.rows?.[0];
    if (!row) throw new HttpError(500, "INTERNAL", "the feature store answered no row");
    if (online.featureNames.some((f) => row.statuses[f] === "NOT_FOUND")) {
      throw new HttpError(404, "NOT_FOUND", `no online features for ${entityKey} ${entity}`);
    }
    const missing = online.featureNames.filter((f) => row.statuses[f] === "NULL_VALUE");
    if (missing.length > 0) {
      throw new HttpError(422, "MISSING_FEATURES", `no value for ${missing.join(", ")} of ${entityKey} ${entity}`);
    }
    const signature = await signatureOf(serving, options.deployment);
    // The features in the order the feature service lists them: list them in the order the model reads.
    const inference = rowsToInferenceRequest(signature, online.featureNames, [row.values]);
    const response = await serving.predict(options.deployment, inference, { routingKey: String(entity) });
    const value = response.outputs[0]?.data[0];
    if (typeof value !== "number") throw new HttpError(500, "INTERNAL", "the model answered no number");
    return { score: value, model_version: response.model_version, features: row.statuses };
  }

  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // The handler answers every error itself; this only catches a failure to write the answer.
      res.destroy(error instanceof Error ? error : undefined);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.url !== "/score") return send(res, 404, { error: "NOT_FOUND", message: "try POST /score" });
    if (req.method !== "POST") return send(res, 405, { error: "METHOD_NOT_ALLOWED", message: "use POST" });
    try {
      const body = await readJson(req, maxBodyBytes);
      send(res, 200, await score(body));
    } catch (error) {
      const [status, code] = httpStatusOf(error);
      send(res, status, { error: code, message: error instanceof Error ? error.message : String(error) });
    }
  }
}

/** The deployment's signature, from the protocol's model metadata; UNAVAILABLE when it is not ready. */
async function signatureOf(serving: InferencePredictor, deployment: string): Promise<Signature> {
  const ready = await serving.modelReady(deployment).catch((error: unknown) => {
    if (isMlstackError(error, "NOT_FOUND")) return false;
    throw error;
  });
  if (!ready) throw new HttpError(503, "UNAVAILABLE", `deployment ${deployment} is not ready`);
  const metadata = await serving.modelMetadata(deployment);
  return { inputs: metadata.inputs, outputs: metadata.outputs };
}

function httpStatusOf(error: unknown): [number, string] {
  if (error instanceof HttpError) return [error.status, error.code];
  if (!isMlstackError(error)) return [500, "INTERNAL"];
  const byCode: Partial<Record<string, number>> = {
    NOT_FOUND: 404,
    RESOURCE_EXHAUSTED: 429,
    UNAVAILABLE: 503,
    TIMEOUT: 504,
  };
  return [byCode[error.code] ?? 500, error.code];
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, "PAYLOAD_TOO_LARGE", `the body is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw new HttpError(400, "INVALID_ARGUMENT", `the body is not JSON: ${(error as Error).message}`);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
