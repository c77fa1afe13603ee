/**
 * How to test your own service with mlstack: build a `createTestStack()` (every brick in memory, a
 * manual clock, deterministic ids), give it the features and the model your service needs, start the
 * service on an ephemeral port and call it over real HTTP. No mocks: the FeatureStore and the
 * ServingEngine behind the service are the reference implementations, the same rules as production.
 */
import type { AddressInfo } from "node:net";
import type { ModelInputs, ModelOutputs } from "@mlstack/serving";
import { createTestStack, type TestStack } from "@mlstack/stack";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createScoringService, type ScoreResponse, type ScoringServiceOptions } from "../src/service.js";

/** What `POST /score` answers: a score, or an error code and message. */
type Answer = Partial<ScoreResponse> & { error?: string; message?: string };

const DAY = 24 * 60 * 60 * 1000;
const FEATURES = ["income", "debt_ratio", "credit_score"];

/** A stand-in model: any TypeScript function can be served by the `function` runtime of a test stack. */
function riskModel(inputs: ModelInputs): ModelOutputs {
  const x = inputs.features;
  if (!x) throw new Error("expected the features tensor");
  const rows = x.shape[0] ?? 0;
  const score = Array.from({ length: rows }, (_, i) => {
    const [income, debt, credit] = [0, 1, 2].map((j) => Number(x.data[i * 3 + j]));
    return riskOf(income as number, debt as number, credit as number);
  });
  return { score: { shape: [rows], data: score } };
}

/** What the fake model computes, so tests can state the expected answer. */
function riskOf(income: number, debtRatio: number, creditScore: number): number {
  return 1 / (1 + Math.exp(-(2 * debtRatio - income / 50_000 - (creditScore - 650) / 100)));
}

/** The FeatureStore definitions your service relies on: apply the same ones your production stack does. */
async function applyFeatures(stack: TestStack): Promise<void> {
  await stack.features.apply({
    entities: [{ name: "applicant", joinKeys: [{ name: "applicant_id", type: "string" }] }],
    featureViews: [
      {
        name: "applicant_profile",
        entities: ["applicant"],
        schema: {
          fields: [
            { name: "income", type: "float64" },
            { name: "debt_ratio", type: "float64" },
            { name: "credit_score", type: "float64", nullable: true },
          ],
        },
        ttl: DAY,
      },
    ],
    featureServices: [{ name: "risk_v1", features: FEATURES.map((f) => `applicant_profile:${f}`) }],
  });
}

/** Pushes one applicant's profile online, stamped with the test clock's time. */
async function pushProfile(stack: TestStack, id: string, profile: Record<string, number | null>): Promise<void> {
  await stack.features.push("applicant_profile", [
    { applicant_id: id, event_timestamp: stack.clock.now(), ...profile },
  ]);
}

/** Deploys the fake model as `risk` (the signature is what the service reads from model metadata). */
async function deployRiskModel(stack: TestStack): Promise<void> {
  await stack.serving.deploy({
    name: "risk",
    runtime: "function",
    model: { kind: "function", name: "risk" },
    signature: {
      inputs: [{ name: "features", datatype: "FP64", shape: [-1, 3] }],
      outputs: [{ name: "score", datatype: "FP64", shape: [-1] }],
    },
  });
}

/** Starts the service on 127.0.0.1 with an ephemeral port; `close` ends it and its connections. */
async function startService(options: ScoringServiceOptions) {
  const server = createScoringService(options);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    /** Posts a body (a string is sent as is) and returns the status and the parsed answer. */
    score: async (body: unknown): Promise<{ status: number; body: Answer }> => {
      const response = await fetch(`http://127.0.0.1:${port}/score`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Answer };
    },
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe("the scoring service against a test stack", () => {
  let stack: TestStack;
  let service: Awaited<ReturnType<typeof startService>>;

  beforeEach(async () => {
    // One fresh stack per test: tests never see each other's features, models or clock.
    stack = await createTestStack({ functions: { risk: riskModel } });
    await applyFeatures(stack);
    service = await startService({ stack, deployment: "risk", featureService: "risk_v1" });
  });

  afterEach(async () => {
    await service.close();
    await stack.stop();
  });

  it("scores an applicant from its online features", async () => {
    await pushProfile(stack, "a-1", { income: 52_000, debt_ratio: 0.31, credit_score: 705 });
    await deployRiskModel(stack);

    const { status, body } = await service.score({ applicant_id: "a-1" });

    expect(status).toBe(200);
    expect(body.score).toBeCloseTo(riskOf(52_000, 0.31, 705), 12);
    expect(body.model_version).toBe("risk");
    expect(body.features).toEqual({ income: "PRESENT", debt_ratio: "PRESENT", credit_score: "PRESENT" });
  });

  it("answers 400 for a body that is not a score request", async () => {
    await deployRiskModel(stack);
    for (const body of ["{not json", {}, { applicant_id: "" }, { applicant_id: { id: 1 } }, { id: "a-1" }]) {
      const response = await service.score(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error).toBe("INVALID_ARGUMENT");
    }
    expect((await fetch(`${service.url}/score`)).status).toBe(405);
    expect((await fetch(`${service.url}/other`, { method: "POST" })).status).toBe(404);
  });

  it("answers 404 for an applicant the FeatureStore does not know", async () => {
    await deployRiskModel(stack);
    const response = await service.score({ applicant_id: "nobody" });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: "NOT_FOUND" });
  });

  it("answers 422 when a feature has no value", async () => {
    await pushProfile(stack, "a-2", { income: 40_000, debt_ratio: 0.5, credit_score: null });
    await deployRiskModel(stack);
    const response = await service.score({ applicant_id: "a-2" });
    expect(response.status).toBe(422);
    expect(response.body.message).toContain("credit_score");
  });

  it("answers 503 while the deployment is missing, and scores once it is deployed", async () => {
    await pushProfile(stack, "a-1", { income: 52_000, debt_ratio: 0.31, credit_score: 705 });
    expect((await service.score({ applicant_id: "a-1" })).status).toBe(503);
    await deployRiskModel(stack);
    expect((await service.score({ applicant_id: "a-1" })).status).toBe(200);
    await stack.serving.undeploy("risk");
    expect((await service.score({ applicant_id: "a-1" })).status).toBe(503);
  });

  it("flags stale features: the manual clock moves every brick at once", async () => {
    await pushProfile(stack, "a-1", { income: 52_000, debt_ratio: 0.31, credit_score: 705 });
    await deployRiskModel(stack);
    // No waiting: a day and a second pass for the FeatureStore the moment the test says so.
    stack.clock.advance(DAY + 1000);
    const { body } = await service.score({ applicant_id: "a-1" });
    expect(body.features).toEqual({ income: "STALE", debt_ratio: "STALE", credit_score: "STALE" });
    // The view's default stale policy flags old values and still returns them, so the score is unchanged.
    expect(body.score).toBeCloseTo(riskOf(52_000, 0.31, 705), 12);
  });
});

describe("the scoring service with a registered model deployed by the stack", () => {
  it("serves the registry's model version through stack.deploy, and canaries a second one by applicant", async () => {
    await using stack = await createTestStack();
    await applyFeatures(stack);
    // A model in the reference linear format, registered the way a training pipeline would register it.
    const register = async (weights: number[]) => {
      const signature = {
        inputs: { fields: FEATURES.map((name) => ({ name, type: "float64" as const })) },
        outputs: { fields: [{ name: "probability", type: "float64" as const }] },
      };
      const model = {
        format: "mlstack.linear-model",
        formatVersion: 1,
        task: "binary-classification",
        link: "logistic",
        featureNames: FEATURES,
        weights,
        intercept: 0,
        signature,
      };
      const source = await stack.artifacts.put(new TextEncoder().encode(JSON.stringify(model)));
      return stack.metadata.createModelVersion("loan-default", { source, signature });
    };
    await stack.metadata.createRegisteredModel("loan-default");
    const v1 = await register([-0.00002, 2, -0.01]);
    // stack.deploy derives the Open Inference Protocol signature from the registered one.
    await stack.deploy({ model: { kind: "model-version", model: "loan-default", version: v1.version } });
    const service = await startService({ stack, deployment: "loan-default", featureService: "risk_v1" });
    try {
      const ids = Array.from({ length: 40 }, (_, i) => `a-${i}`);
      for (const [i, id] of ids.entries()) {
        await pushProfile(stack, id, { income: 30_000 + i * 1000, debt_ratio: 0.2 + i / 100, credit_score: 600 + i });
      }
      const { body: first } = await service.score({ applicant_id: "a-3" });
      const z = -0.00002 * 33_000 + 2 * 0.23 - 0.01 * 603;
      expect(first.score).toBeCloseTo(1 / (1 + Math.exp(-z)), 12);
      expect(first.model_version).toBe("1");

      // A canary: version 2 takes 50% of the traffic; the service routes by applicant, so an
      // applicant always gets the same version.
      const v2 = await register([-0.00001, 1, -0.02]);
      await stack.serving.update("loan-default", {
        traffic: [
          { model: { kind: "model-version", model: "loan-default", version: "1" }, weight: 50 },
          { model: { kind: "model-version", model: "loan-default", version: v2.version }, weight: 50 },
        ],
      });
      const versions = new Map<string, string>();
      for (const id of ids) versions.set(id, (await service.score({ applicant_id: id })).body.model_version ?? "");
      expect(new Set(versions.values())).toEqual(new Set(["1", "2"]));
      for (const id of ids.slice(0, 10)) {
        expect((await service.score({ applicant_id: id })).body.model_version).toBe(versions.get(id));
      }
    } finally {
      await service.close();
    }
  });
});
