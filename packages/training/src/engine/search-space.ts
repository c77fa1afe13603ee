import { MlstackError, type Random } from "@mlstack/core";
import type { ParamDomain } from "../schemas.js";

/** The values a grid search tries for one dimension, in order. */
export function gridValues(name: string, domain: ParamDomain): unknown[] {
  switch (domain.type) {
    case "choice":
      return [...domain.values];
    case "intRange": {
      const values: number[] = [];
      for (let v = domain.low; v <= domain.high; v += domain.step) values.push(v);
      return values;
    }
    case "uniform":
    case "logUniform": {
      const n = domain.gridPoints;
      if (n === undefined) {
        throw new MlstackError(
          "INVALID_ARGUMENT",
          `grid search needs gridPoints for the ${domain.type} param "${name}"`,
          {
            details: { issues: [{ path: `space.${name}.gridPoints`, message: "required by grid search" }] },
          },
        );
      }
      const log = domain.type === "logUniform";
      const lo = log ? Math.log(domain.low) : domain.low;
      const hi = log ? Math.log(domain.high) : domain.high;
      const points = Array.from({ length: n }, (_, i) => {
        const x = n === 1 ? lo : lo + ((hi - lo) * i) / (n - 1);
        return log ? Math.exp(x) : x;
      });
      // A zero-width range gives one point, not n copies of it.
      return [...new Set(points)];
    }
  }
}

/** Every combination of the grid, the last dimension varying fastest, up to `limit` of them. */
export function gridTrials(space: Readonly<Record<string, ParamDomain>>, limit: number): Record<string, unknown>[] {
  const names = Object.keys(space);
  const axes = names.map((name) => gridValues(name, space[name] as ParamDomain));
  const total = axes.reduce((n, axis) => n * axis.length, 1);
  const trials: Record<string, unknown>[] = [];
  for (let index = 0; index < Math.min(total, limit); index++) {
    const trial: Record<string, unknown> = {};
    let rest = index;
    for (let d = names.length - 1; d >= 0; d--) {
      const axis = axes[d] as unknown[];
      trial[names[d] as string] = axis[rest % axis.length];
      rest = Math.floor(rest / axis.length);
    }
    trials.push(Object.fromEntries(names.map((n) => [n, trial[n]])));
  }
  return trials;
}

/** One random point of the space, drawn from `random` dimension by dimension in the space's order. */
export function sampleTrial(space: Readonly<Record<string, ParamDomain>>, random: Random): Record<string, unknown> {
  const trial: Record<string, unknown> = {};
  for (const [name, domain] of Object.entries(space)) {
    switch (domain.type) {
      case "choice":
        trial[name] = domain.values[random.int(0, domain.values.length - 1)];
        break;
      case "intRange":
        trial[name] = domain.low + domain.step * random.int(0, Math.floor((domain.high - domain.low) / domain.step));
        break;
      case "uniform":
        trial[name] = domain.low + random.next() * (domain.high - domain.low);
        break;
      case "logUniform": {
        const lo = Math.log(domain.low);
        trial[name] = Math.exp(lo + random.next() * (Math.log(domain.high) - lo));
        break;
      }
    }
  }
  return trial;
}
