import { type DataCommitRef, type Ref, refKey, type TrainingSetRef } from "@mlstack/core";
import type {
  FeatureSelection,
  FeatureStore,
  HistoricalRequest,
  RegistrySnapshot,
  Row,
  TrainingSet,
  TrainingSetStream,
} from "@mlstack/features";
import type { LineageProperties } from "@mlstack/metadata";
import { interceptBrick } from "../intercept-brick.js";
import type { SlotEntry } from "../spec.js";
import type { LineageRecorder } from "./lineage-recorder.js";
import { trainingSetDefinitions } from "./training-set-definitions.js";

/** The execution id under which a training set's retrieval is recorded. */
export function trainingSetExecutionId(ref: TrainingSetRef): string {
  return `features.historical:${refKey(ref)}`;
}

interface BuiltSet {
  readonly ref: TrainingSetRef;
  readonly featureNames: readonly string[];
  readonly rows: number;
  /** The data commits the FeatureStore reported (absent for a stream: taken from the definitions). */
  readonly lineage?: readonly DataCommitRef[];
}

function selectionOf(request: HistoricalRequest | undefined): FeatureSelection {
  if (request === undefined) return {};
  return {
    ...(request.features === undefined ? {} : { features: request.features }),
    ...(request.service === undefined ? {} : { service: request.service }),
  };
}

/** Records a training set: its data commits and feature views (pinned to their definitions) in, the set out. */
function recordTrainingSet(
  recorder: LineageRecorder,
  entry: SlotEntry<"features">,
  selection: FeatureSelection,
  registry: Promise<RegistrySnapshot>,
  set: BuiltSet,
): Promise<void> {
  return recorder.record(`training set ${refKey(set.ref)}`, async () => {
    const defs = trainingSetDefinitions(await registry, selection);
    const commits = set.lineage ?? defs.sources;
    const properties: LineageProperties = {
      rows: set.rows,
      featureNames: set.featureNames.join(","),
      definitionHash: defs.definitionHash,
      features: entry.path,
    };
    const artifactProperties = new Map<string, LineageProperties>([[refKey(set.ref), properties]]);
    for (const view of defs.views) artifactProperties.set(refKey(view), { definitionHash: view.definitionHash ?? "" });
    await recorder.putExecution({
      id: trainingSetExecutionId(set.ref),
      type: "features.historical",
      name: `training set ${set.ref.id}`,
      properties,
      inputs: [...commits, ...defs.views] as Ref[],
      outputs: [set.ref],
      artifactProperties,
    });
  });
}

// Read right after the call, so the definitions are those the set was built from (not later ones).
function readRegistry(features: FeatureStore): Promise<RegistrySnapshot> {
  const registry = features.listDefinitions();
  registry.catch(() => undefined);
  return registry;
}

function wrapStream(stream: TrainingSetStream, record: (set: BuiltSet) => Promise<void>): TrainingSetStream {
  let rows = 0;
  const ref = stream.ref.then(async (r) => {
    await record({ ref: r, featureNames: await stream.featureNames, rows });
    return r;
  });
  ref.catch(() => undefined);
  return {
    featureNames: stream.featureNames,
    ref,
    async *[Symbol.asyncIterator]() {
      for await (const batch of stream) {
        rows += batch.length;
        yield batch as readonly Row[];
      }
    },
  };
}

/**
 * A FeatureStore whose training sets are recorded in lineage: `getHistoricalFeatures` records the set
 * (awaited before it returns, so its lineage is there when the caller has the set), and
 * `streamHistoricalFeatures` once its ref resolves. Recording never fails the call.
 */
export function wireFeatureStore(recorder: LineageRecorder, entry: SlotEntry<"features">): FeatureStore {
  const features = entry.brick;
  return interceptBrick(
    features,
    (call) => {
      const request = call.args[0] as HistoricalRequest | undefined;
      if (call.method === "getHistoricalFeatures") {
        return (async () => {
          const set = (await call.proceed()) as TrainingSet;
          await recordTrainingSet(recorder, entry, selectionOf(request), readRegistry(features), {
            ref: set.ref,
            featureNames: set.featureNames,
            rows: set.rows.length,
            lineage: set.lineage,
          });
          return set;
        })();
      }
      const stream = call.proceed() as TrainingSetStream;
      return wrapStream(stream, (set) =>
        recordTrainingSet(recorder, entry, selectionOf(request), readRegistry(features), set),
      );
    },
    { methods: new Set(["getHistoricalFeatures", "streamHistoricalFeatures"]) },
  );
}
