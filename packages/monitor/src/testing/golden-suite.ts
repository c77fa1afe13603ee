import { describe, expect, it } from "vitest";
import type { Fixture } from "./harness.js";
import { DEPLOYMENT, type DriftGolden, expectClose, HOUR } from "./harness.js";

const STAT = 1e-9;
const P_REL = 1e-6;
const P_ABS = 1e-12;

/** Drift statistics on raw windows match numpy/scipy golden values. */
export function goldenSuite(setup: () => Promise<Fixture>, golden: DriftGolden): void {
  describe("golden drift statistics (scipy/numpy)", () => {
    for (const c of golden.cases) {
      it(`${c.name} (${c.kind})`, async () => {
        const { monitor, clock } = await setup();
        const column = c.kind === "numeric" ? "x" : "c";
        await monitor.registerDeployment({
          deployment: DEPLOYMENT,
          schema: { fields: [{ name: column, type: c.kind === "numeric" ? "float64" : "string" }] },
          windowMs: HOUR,
        });
        await monitor.setReference(DEPLOYMENT, { rows: c.reference.map((v) => ({ [column]: v })) });
        const at = clock.now();
        await monitor.log(
          DEPLOYMENT,
          c.current.map((v) => ({ features: { [column]: v }, timestamp: at })),
        );
        const window = await monitor.windowAt(DEPLOYMENT, at);
        const method = c.kind === "numeric" ? "ks" : "chi2";
        const result = await monitor.drift(window, { methods: { [column]: method }, source: "raw" });
        const col = result.columns[0];
        expect(col?.column).toBe(column);
        expect(col?.status).not.toBe("insufficient-data");
        const s = col?.statistics ?? {};
        const g = c as Record<string, number | string>;
        if (c.kind === "numeric") {
          expectClose(s.ksStatistic, g.ks_statistic as number, STAT);
          expect(s.ksMethod).toBe(g.ks_pvalue_method);
          expectClose(s.ksPValue, g.ks_pvalue as number, P_REL, P_ABS);
          expectClose(s.wasserstein, g.wasserstein as number, STAT);
          expectClose(s.wassersteinNormalized, g.wasserstein_normalized as number, STAT);
          expectClose(s.psi, g.psi_quantile10 as number, STAT);
          expectClose(s.jensenShannon, g.js_distance_quantile10_base2 as number, STAT);
          expect(col?.pValue).toBe(s.ksPValue);
        } else {
          expectClose(s.chi2Statistic, g.chi2_statistic as number, STAT);
          expectClose(s.chi2PValue, g.chi2_pvalue as number, P_REL, P_ABS);
          expect(s.chi2Dof).toBe(g.chi2_dof);
          expectClose(s.psi, g.psi as number, STAT);
          expectClose(s.jensenShannon, g.js_distance_base2 as number, STAT);
        }
      });
    }
  });
}
