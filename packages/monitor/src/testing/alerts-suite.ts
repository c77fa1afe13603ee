import { describe, expect, it } from "vitest";
import type { AlertEvent } from "../spec.js";
import type { Fixture } from "./harness.js";
import { DEPLOYMENT, expectCode, HOUR } from "./harness.js";

const MINUTE = 60_000;

/** The alert state machine: pending for forMs, firing once, resolving, typed events. */
export function alertsSuite(setup: () => Promise<Fixture>): void {
  describe("alerts", () => {
    async function withRule(forMs: number) {
      const fixture = await setup();
      const { monitor, clock } = fixture;
      await monitor.registerDeployment({
        deployment: DEPLOYMENT,
        schema: { fields: [{ name: "x", type: "float64" }] },
        windowMs: HOUR,
      });
      // Start at a window boundary so the rule's window is predictable.
      clock.set(Math.ceil(clock.now() / HOUR) * HOUR);
      const rule = await monitor.putAlertRule({
        id: "busy",
        deployment: DEPLOYMENT,
        name: "too many rows",
        metric: "row_count",
        comparison: ">",
        threshold: 2,
        forMs,
      });
      const events: { type: string; event: AlertEvent }[] = [];
      monitor.events.on("alert.firing", (event) => events.push({ type: "firing", event }));
      monitor.events.on("alert.resolved", (event) => events.push({ type: "resolved", event }));
      return { ...fixture, rule, events };
    }

    it("fires once after the for-duration, stays on without firing again, then resolves", async () => {
      const { monitor, clock, rule, events } = await withRule(10 * MINUTE);
      expect(rule).toMatchObject({ id: "busy", deployment: "churn", windowMs: HOUR, forMs: 10 * MINUTE });
      expect(await monitor.evaluateAlerts(DEPLOYMENT)).toMatchObject([{ ruleId: "busy", state: "inactive", value: 0 }]);
      await monitor.log(
        DEPLOYMENT,
        [1, 2, 3].map((x) => ({ features: { x } })),
      );
      const start = clock.now();
      expect(await monitor.evaluateAlerts(DEPLOYMENT)).toMatchObject([{ state: "pending", since: start, value: 3 }]);
      clock.advance(5 * MINUTE);
      expect(await monitor.evaluateAlerts(DEPLOYMENT)).toMatchObject([{ state: "pending", since: start }]);
      expect(events).toEqual([]);
      clock.advance(5 * MINUTE);
      expect(await monitor.evaluateAlerts(DEPLOYMENT)).toMatchObject([{ state: "firing", firedAt: clock.now() }]);
      clock.advance(MINUTE);
      await monitor.evaluateAlerts(DEPLOYMENT);
      expect(events.map((e) => e.type)).toEqual(["firing"]);
      expect(events[0]?.event).toMatchObject({ rule: { id: "busy" }, value: 3, window: { deployment: "churn" } });
      // The next hour's window is empty: the condition fails and the alert resolves once.
      clock.advance(HOUR);
      expect(await monitor.evaluateAlerts(DEPLOYMENT)).toMatchObject([{ state: "inactive", since: null }]);
      await monitor.evaluateAlerts(DEPLOYMENT);
      expect(events.map((e) => e.type)).toEqual(["firing", "resolved"]);
    });

    it("fires at once with forMs 0 and clears a pending alert silently", async () => {
      const { monitor, clock, events } = await withRule(0);
      await monitor.log(
        DEPLOYMENT,
        [1, 2, 3].map((x) => ({ features: { x } })),
      );
      const [state] = await monitor.evaluateAlerts(DEPLOYMENT, { at: clock.now() });
      expect(state).toMatchObject({ state: "firing" });
      expect(events).toHaveLength(1);
      await monitor.putAlertRule({
        id: "slow",
        deployment: DEPLOYMENT,
        name: "slow",
        metric: "row_count",
        comparison: ">=",
        threshold: 1,
        forMs: HOUR,
      });
      await monitor.evaluateAlerts(DEPLOYMENT);
      clock.advance(2 * HOUR);
      const states = await monitor.evaluateAlerts(DEPLOYMENT);
      expect(states.map((s) => [s.ruleId, s.state])).toEqual([
        ["busy", "inactive"],
        ["slow", "inactive"],
      ]);
      expect(events.map((e) => `${e.type}:${e.event.rule.id}`)).toEqual(["firing:busy", "resolved:busy"]);
    });

    it("concurrent evaluations fire an alert only once", async () => {
      const { monitor, events } = await withRule(0);
      await monitor.log(
        DEPLOYMENT,
        [1, 2, 3].map((x) => ({ features: { x } })),
      );
      await Promise.all([monitor.evaluateAlerts(DEPLOYMENT), monitor.evaluateAlerts(DEPLOYMENT)]);
      expect(events).toHaveLength(1);
    });

    it("lists, replaces and deletes rules, and validates them", async () => {
      const { monitor } = await withRule(0);
      await monitor.putAlertRule({
        id: "busy",
        deployment: DEPLOYMENT,
        name: "renamed",
        metric: "row_count",
        comparison: ">",
        threshold: 5,
      });
      expect((await monitor.listAlertRules(DEPLOYMENT)).map((r) => [r.id, r.name])).toEqual([["busy", "renamed"]]);
      expect(await monitor.listAlertRules()).toHaveLength(1);
      await expectCode(
        monitor.putAlertRule({
          deployment: DEPLOYMENT,
          name: "x",
          metric: "column_drift_score",
          comparison: ">",
          threshold: 1,
        }),
        "INVALID_ARGUMENT",
      );
      await expectCode(
        monitor.putAlertRule({
          deployment: DEPLOYMENT,
          name: "x",
          metric: "row_count",
          comparison: ">",
          threshold: 1,
          windowMs: 1000,
        }),
        "INVALID_ARGUMENT",
      );
      await expectCode(
        monitor.putAlertRule({
          deployment: { kind: "deployment", name: "ghost" },
          name: "x",
          metric: "row_count",
          comparison: ">",
          threshold: 1,
        }),
        "NOT_FOUND",
      );
      await monitor.deleteAlertRule("busy");
      expect(await monitor.listAlertRules()).toEqual([]);
      await expectCode(monitor.deleteAlertRule("busy"), "NOT_FOUND");
    });

    it("watches type-error rates, null rates and model performance", async () => {
      const { monitor, clock } = await setup();
      await monitor.registerDeployment({
        deployment: DEPLOYMENT,
        schema: { fields: [{ name: "x", type: "float64", nullable: true }] },
        windowMs: HOUR,
        prediction: { task: "classification" },
      });
      const rule = (
        id: string,
        metric: "type_error_rate" | "null_rate" | "accuracy",
        comparison: ">" | "<",
        threshold: number,
      ) => monitor.putAlertRule({ id, deployment: DEPLOYMENT, name: id, metric, comparison, threshold });
      await rule("errors", "type_error_rate", ">", 0.2);
      await rule("nulls", "null_rate", ">", 0.5);
      await rule("accuracy", "accuracy", "<", 0.9);
      await monitor.log(DEPLOYMENT, [
        { features: { x: "a" }, prediction: 1, requestId: "r1" },
        { features: { x: 1 }, prediction: 0, requestId: "r2" },
        { features: { x: null }, prediction: 1, requestId: "r3" },
        { features: { x: 2 }, prediction: 1, requestId: "r4" },
      ]);
      const byRule = async () =>
        Object.fromEntries((await monitor.evaluateAlerts(DEPLOYMENT, { at: clock.now() })).map((s) => [s.ruleId, s]));
      let states = await byRule();
      expect(states.errors).toMatchObject({ state: "firing", value: 0.25 });
      expect(states.nulls).toMatchObject({ state: "inactive", value: 0.25 });
      // No labels yet: no accuracy to judge.
      expect(states.accuracy).toMatchObject({ state: "inactive", value: null });
      await monitor.logLabels(DEPLOYMENT, [
        { requestId: "r1", label: 1 },
        { requestId: "r2", label: 1 },
      ]);
      states = await byRule();
      expect(states.accuracy).toMatchObject({ state: "firing", value: 0.5 });
    });

    it("drift alerts fire on a drifted window", async () => {
      const { monitor, clock } = await setup();
      await monitor.registerDeployment({
        deployment: DEPLOYMENT,
        schema: { fields: [{ name: "x", type: "float64" }] },
        windowMs: HOUR,
      });
      await monitor.setReference(DEPLOYMENT, { rows: Array.from({ length: 200 }, (_, i) => ({ x: i / 200 })) });
      await monitor.putAlertRule({
        deployment: DEPLOYMENT,
        name: "drift",
        metric: "dataset_drift",
        comparison: ">=",
        threshold: 1,
      });
      const fired: AlertEvent[] = [];
      monitor.events.on("alert.firing", (e) => fired.push(e));
      await monitor.log(
        DEPLOYMENT,
        Array.from({ length: 200 }, (_, i) => ({ features: { x: 0.5 + i / 200 } })),
      );
      const [state] = await monitor.evaluateAlerts(DEPLOYMENT, { at: clock.now() });
      expect(state).toMatchObject({ state: "firing", value: 1 });
      expect(fired).toHaveLength(1);
    });
  });
}
