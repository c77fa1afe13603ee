import { describe, expect, it } from "vitest";
import type { Fixture } from "./harness.js";
import { DEPLOYMENT, expectCode, HOUR } from "./harness.js";

const schema = {
  fields: [
    { name: "age", type: "int32" as const },
    { name: "plan", type: "string" as const },
  ],
};

/** Deployments, logging, labels and their errors. */
export function loggingSuite(setup: () => Promise<Fixture>, labels: boolean): void {
  describe("deployments and logging", () => {
    it("registers a deployment once and reads it back", async () => {
      const { monitor } = await setup();
      const config = await monitor.registerDeployment({ deployment: DEPLOYMENT, schema, windowMs: HOUR });
      expect(config).toMatchObject({ deployment: DEPLOYMENT, windowMs: HOUR, schema });
      expect(await monitor.getDeployment(DEPLOYMENT)).toEqual(config);
      expect(await monitor.listDeployments()).toEqual([config]);
      await expectCode(monitor.registerDeployment({ deployment: DEPLOYMENT, schema }), "ALREADY_EXISTS");
    });

    it("rejects bad registrations with INVALID_ARGUMENT and keeps nothing", async () => {
      const { monitor } = await setup();
      await expectCode(
        monitor.registerDeployment({
          deployment: DEPLOYMENT,
          schema: { fields: [{ name: "x", type: "nope" as "int32" }] },
        }),
        "INVALID_ARGUMENT",
      );
      await expectCode(
        monitor.registerDeployment({ deployment: DEPLOYMENT, schema, windowMs: -1 }),
        "INVALID_ARGUMENT",
      );
      await expectCode(
        monitor.registerDeployment({ deployment: DEPLOYMENT, schema, ranges: { plan: { min: 0 } } }),
        "INVALID_ARGUMENT",
      );
      await expectCode(
        monitor.registerDeployment({
          deployment: DEPLOYMENT,
          schema: { fields: [{ name: "prediction", type: "float64" }] },
          prediction: { task: "regression" },
        }),
        "INVALID_ARGUMENT",
      );
      expect(await monitor.listDeployments()).toEqual([]);
    });

    it("an unknown deployment is NOT_FOUND everywhere", async () => {
      const { monitor, clock } = await setup();
      const ghost = { kind: "deployment", name: "ghost" } as const;
      const window = { kind: "monitor-window", deployment: "ghost", start: 0, end: HOUR } as const;
      await expectCode(monitor.log(ghost, [{ features: { age: 1 } }]), "NOT_FOUND");
      if (labels) await expectCode(monitor.logLabels(ghost, [{ requestId: "r", label: 1 }]), "NOT_FOUND");
      await expectCode(monitor.getDeployment(ghost), "NOT_FOUND");
      await expectCode(monitor.windowAt(ghost, clock.now()), "NOT_FOUND");
      await expectCode(monitor.profile(window), "NOT_FOUND");
      await expectCode(monitor.drift(window), "NOT_FOUND");
      await expectCode(monitor.quality(window), "NOT_FOUND");
    });

    it("a malformed batch is INVALID_ARGUMENT and logs nothing", async () => {
      const { monitor, clock } = await setup();
      await monitor.registerDeployment({ deployment: DEPLOYMENT, schema, windowMs: HOUR });
      await expectCode(
        monitor.log(DEPLOYMENT, [{ features: { age: 1 } }, { features: "nope" } as never]),
        "INVALID_ARGUMENT",
      );
      await expectCode(monitor.log(DEPLOYMENT, "rows" as never), "INVALID_ARGUMENT");
      const profile = await monitor.profile(await monitor.windowAt(DEPLOYMENT, clock.now()));
      expect(profile.rows).toBe(0);
    });

    it("puts rows in the windows of their timestamps and reports them", async () => {
      const { monitor, clock } = await setup();
      await monitor.registerDeployment({ deployment: DEPLOYMENT, schema, windowMs: HOUR });
      const t = clock.now();
      const result = await monitor.log(DEPLOYMENT, [
        { features: { age: 30, plan: "pro" }, timestamp: t },
        { features: { age: 31, plan: "free" }, timestamp: t + HOUR },
      ]);
      const w0 = await monitor.windowAt(DEPLOYMENT, t);
      const w1 = await monitor.windowAt(DEPLOYMENT, t + HOUR);
      expect(result.windows).toEqual([w0, w1]);
      expect(w0).toEqual({
        kind: "monitor-window",
        deployment: "churn",
        start: t - (t % HOUR),
        end: t - (t % HOUR) + HOUR,
      });
      expect((await monitor.profile(w0)).rows).toBe(1);
      expect((await monitor.profile({ ...w0, end: w1.end })).rows).toBe(2);
      await expectCode(monitor.profile({ ...w0, start: w0.start + 1 }), "INVALID_ARGUMENT");
      await expectCode(monitor.profile({ ...w0, end: w0.start }), "INVALID_ARGUMENT");
    });

    it.runIf(labels)("attaches delayed labels by request id and reports unmatched ids", async () => {
      const { monitor } = await setup();
      await monitor.registerDeployment({
        deployment: DEPLOYMENT,
        schema,
        windowMs: HOUR,
        prediction: { task: "classification" },
      });
      await monitor.log(DEPLOYMENT, [
        { features: { age: 1, plan: "a" }, prediction: 1, requestId: "r1" },
        { features: { age: 2, plan: "a" }, prediction: 0, requestId: "r2" },
      ]);
      const result = await monitor.logLabels(DEPLOYMENT, [
        { requestId: "r1", label: 1 },
        { requestId: "r3", label: 0 },
      ]);
      expect(result).toEqual({ matched: 1, unmatched: ["r3"] });
      await expectCode(monitor.logLabels(DEPLOYMENT, [{ requestId: "", label: 1 }]), "INVALID_ARGUMENT");
    });
  });
}
