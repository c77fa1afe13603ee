import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { createInferenceClient, createInferenceServer, createServingEngine, FileServingStorage } from "../src/index.js";
import { servingConformance } from "../src/testing/index.js";
import { oip } from "./spec-paths.js";

const dir = mkdtempSync(join(tmpdir(), "mlstack-serving-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

servingConformance({
  name: "in-process engine, memory storage",
  validateBody: oip.validate,
  create: async (deps) => {
    const engine = createServingEngine(deps);
    return { engine, predictor: engine, close: () => engine.stop() };
  },
});

servingConformance({
  name: "in-process engine, file storage",
  capabilities: { durable: true },
  validateBody: oip.validate,
  create: async (deps) => {
    const engine = createServingEngine({ ...deps, storage: new FileServingStorage(mkdtempSync(join(dir, "s-"))) });
    return { engine, predictor: engine, close: () => engine.stop() };
  },
});

servingConformance({
  name: "HTTP server through createInferenceClient",
  validateBody: oip.validate,
  create: async (deps) => {
    const engine = createServingEngine(deps);
    const server = await createInferenceServer(engine);
    const predictor = createInferenceClient(server.url, {
      onResponse: ({ method, path, status, body }) => oip.validateResponse(method, path, status, body),
    });
    return {
      engine,
      predictor,
      close: async () => {
        await server.close();
        await engine.stop();
      },
    };
  },
});

const OFF = { batching: false, trafficSplit: false, shadow: false, rollback: false } as const;
servingConformance({
  name: "in-process engine, optional capabilities switched off",
  capabilities: OFF,
  validateBody: oip.validate,
  create: async (deps) => {
    const engine = createServingEngine({ ...deps, capabilities: OFF });
    return { engine, predictor: engine, close: () => engine.stop() };
  },
});
