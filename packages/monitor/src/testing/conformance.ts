import { describe, expect, it } from "vitest";
import { DEFAULT_MONITOR_CAPABILITIES } from "../spec.js";
import { alertsSuite } from "./alerts-suite.js";
import { driftSuite } from "./drift-suite.js";
import { goldenSuite } from "./golden-suite.js";
import { DEPLOYMENT, expectCode, fixtures, HOUR, type MonitorConformanceOptions } from "./harness.js";
import { loggingSuite } from "./logging-suite.js";
import { performanceSuite } from "./performance-suite.js";
import { profileSuite } from "./profile-suite.js";
import { qualitySuite } from "./quality-suite.js";

/**
 * The Monitor conformance suite. Every implementation runs it; groups are gated on the capabilities the
 * implementation declares (all on by default), which must equal what its monitors expose, and a
 * capability that is off must make its methods throw `NOT_SUPPORTED`.
 */
export function monitorConformance(options: MonitorConformanceOptions): void {
  const caps = { ...DEFAULT_MONITOR_CAPABILITIES, ...options.capabilities };
  describe(`Monitor conformance: ${options.name}`, () => {
    const setup = fixtures(options.create);

    it("is a v1 monitor brick with the declared, frozen capabilities", async () => {
      const { monitor } = await setup();
      expect(monitor.kind).toBe("monitor");
      expect(monitor.specificationVersion).toBe("v1");
      expect({ ...monitor.capabilities }).toEqual(caps);
      expect(Object.isFrozen(monitor.capabilities)).toBe(true);
      expect(await monitor.health?.()).toEqual({ status: "ok" });
      await monitor.stop?.();
      await monitor.stop?.();
      await expectCode(monitor.listDeployments(), "UNAVAILABLE");
    });

    loggingSuite(setup, caps.labels);
    profileSuite(setup);
    qualitySuite(setup);
    describe.runIf(caps.rawDrift && options.golden !== undefined)("raw drift", () => {
      if (options.golden) goldenSuite(setup, options.golden);
    });
    describe.runIf(caps.rawDrift && caps.profileDrift)("drift", () => driftSuite(setup));
    describe.runIf(caps.alerts && caps.rawDrift)("alerts", () => alertsSuite(setup));
    describe.runIf(caps.labels && caps.prometheus && caps.rawDrift)("performance", () => performanceSuite(setup));

    describe("capabilities that are off", () => {
      it.runIf(!caps.alerts)("alerts throw NOT_SUPPORTED", async () => {
        const { monitor } = await setup();
        await expectCode(monitor.listAlertRules(), "NOT_SUPPORTED");
      });
      it.runIf(!caps.prometheus)("metrics throw NOT_SUPPORTED", async () => {
        const { monitor } = await setup();
        await expectCode(monitor.metrics(), "NOT_SUPPORTED");
      });
      it.runIf(!caps.labels)("labels throw NOT_SUPPORTED", async () => {
        const { monitor } = await setup();
        await monitor.registerDeployment({ deployment: DEPLOYMENT, schema: { fields: [] }, windowMs: HOUR });
        await expectCode(monitor.logLabels(DEPLOYMENT, [{ requestId: "r", label: 1 }]), "NOT_SUPPORTED");
      });
    });
  });
}
