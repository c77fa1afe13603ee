import { MlstackError } from "@mlstack/core";
import type { LoadedModel, ModelInputs, ModelOutputs, ModelRuntime } from "../spec.js";

/** A model that is a TypeScript function over one batch. */
export type ModelFunction = (inputs: ModelInputs) => ModelOutputs | Promise<ModelOutputs>;

/**
 * The `function` runtime: a deployment's model `{ kind: "function", name }` names one of `functions`.
 * Handy for rules, ensembles and tests; the function is called with each batch as it comes.
 */
export function createFunctionRuntime(functions: Readonly<Record<string, ModelFunction>>): ModelRuntime {
  const table = new Map(Object.entries(functions));
  return {
    name: "function",
    platform: "mlstack_function",
    async load(payload): Promise<LoadedModel> {
      if (payload.source.kind !== "function") {
        throw new MlstackError("INVALID_ARGUMENT", `the function runtime loads { kind: "function" } models`, {
          details: { source: payload.source },
        });
      }
      const fn = table.get(payload.source.name);
      if (!fn) {
        throw new MlstackError("INVALID_ARGUMENT", `no function named ${payload.source.name}`, {
          details: { known: [...table.keys()] },
        });
      }
      return { predict: fn, unload: async () => {} };
    },
  };
}
