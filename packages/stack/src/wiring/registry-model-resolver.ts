import { MlstackError, type ModelVersionRef } from "@mlstack/core";
import type { MetadataStore } from "@mlstack/metadata";
import type { ModelVersionResolver } from "@mlstack/serving";

/**
 * Resolves a model-version ref to its artifact through the MetadataStore's registry: what a
 * ServingEngine in a stack is given as `resolveModelVersion`. A deleted version is `FAILED_PRECONDITION`.
 */
export function registryModelResolver(metadata: MetadataStore): ModelVersionResolver {
  const resolve = async (ref: ModelVersionRef) => {
    const version = await metadata.getModelVersion(ref.model, ref.version);
    if (version.deletedAt !== null) {
      throw new MlstackError("FAILED_PRECONDITION", `model version ${ref.model}/${ref.version} was deleted`, {
        details: { model: ref.model, version: ref.version },
      });
    }
    return version.source;
  };
  return Object.assign(resolve, {
    requires: Object.freeze([
      {
        slot: "metadata" as const,
        capabilities: ["modelRegistry"],
        reason: "model versions resolve through its registry",
      },
    ]),
  });
}
