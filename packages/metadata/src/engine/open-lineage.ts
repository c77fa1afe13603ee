import type { Ref } from "@mlstack/core";
import { isUuid, MlstackError, parseInput, sha256Hex } from "@mlstack/core";
import { idSchema, openLineageOptionsSchema } from "../schemas.js";
import type { Experiment, OpenLineageOptions, OpenLineageRunEvent, RunInfo } from "../spec.js";
import type { MetadataTx } from "../storage/spec.js";
import type { EngineContext } from "./context.js";
import { requireRun, runExecutionId } from "./context.js";

const SPEC = "https://openlineage.io/spec";
const RUN_EVENT_SCHEMA = `${SPEC}/2-0-2/OpenLineage.json#/$defs/RunEvent`;
const PARENT_FACET = `${SPEC}/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet`;
const ERROR_FACET = `${SPEC}/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet`;
const JOB_TYPE_FACET = `${SPEC}/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet`;
const VERSION_FACET = `${SPEC}/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet`;
/** The default `producer` of exported events. */
export const OPEN_LINEAGE_PRODUCER = "https://github.com/mlstack/mlstack/tree/main/packages/metadata";

/** The OpenLineage run id of a run: its own id when that is a UUID, else a UUID (v8) derived from it by SHA-256. */
export function openLineageRunId(runId: string): string {
  if (isUuid(runId)) return runId.toLowerCase();
  const h = sha256Hex(`mlstack-run:${runId}`);
  const variant = ((Number.parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

// The version a ref pins, exported as the dataset version facet.
function versionOf(ref: Ref): string | undefined {
  switch (ref.kind) {
    case "data-commit":
      return ref.commit;
    case "data-file":
      return ref.digest ?? ref.commit;
    case "training-set":
      return ref.contentHash;
    case "artifact":
      return ref.digest;
    case "model-version":
      return ref.version;
    case "feature-view":
      return ref.definitionHash;
    case "deployment":
      return ref.revision === undefined ? undefined : String(ref.revision);
    default:
      return undefined;
  }
}

async function jobOf(tx: MetadataTx, run: RunInfo): Promise<string> {
  const e: Experiment | undefined = await tx.getExperiment(run.experimentId);
  return e?.name ?? run.experimentId;
}

/**
 * A run as OpenLineage 2-0-2 RunEvents: START at its start time, then COMPLETE (FINISHED), FAIL
 * (FAILED, with the errorMessage facet when it has one) or ABORT (KILLED) at its end time. The job is
 * the experiment (namespace from options, name the experiment's name); inputs are the refs the run
 * declared, outputs what it logged (artifacts, model versions), each named by its ref key. A nested run
 * carries the parent facet.
 */
export async function toOpenLineage(
  ctx: EngineContext,
  runId: string,
  options: OpenLineageOptions = {},
): Promise<OpenLineageRunEvent[]> {
  const id = parseInput(idSchema, runId, "run id");
  const o = parseInput(openLineageOptionsSchema, options, "OpenLineage options");
  const namespace = o.namespace ?? "mlstack";
  const producer = o.producer ?? OPEN_LINEAGE_PRODUCER;
  return ctx.storage.read(async (tx) => {
    const run = await requireRun(tx, id);
    const events = await tx.eventsOf([], [runExecutionId(id)]);
    const nodes = new Map((await tx.getArtifactNodes(events.map((e) => e.artifact))).map((n) => [n.key, n]));
    const datasets = (type: "input" | "output") =>
      events
        .filter((e) => e.type === type)
        .map((e) => e.artifact)
        .sort()
        .map((key) => {
          const ref = nodes.get(key)?.ref;
          const version = ref && versionOf(ref);
          return {
            namespace,
            name: key,
            ...(version === undefined
              ? {}
              : { facets: { version: { _producer: producer, _schemaURL: VERSION_FACET, datasetVersion: version } } }),
          };
        });
    const runFacets: Record<string, unknown> = {};
    if (run.parentRunId !== null) {
      const parent = await tx.getRunInfo(run.parentRunId);
      if (!parent) throw new MlstackError("DATA_CORRUPTION", `run ${id} names a missing parent ${run.parentRunId}`);
      runFacets.parent = {
        _producer: producer,
        _schemaURL: PARENT_FACET,
        run: { runId: openLineageRunId(parent.runId) },
        job: { namespace, name: await jobOf(tx, parent) },
      };
    }
    const job = {
      namespace,
      name: await jobOf(tx, run),
      facets: {
        jobType: {
          _producer: producer,
          _schemaURL: JOB_TYPE_FACET,
          processingType: "BATCH",
          integration: "MLSTACK",
          jobType: "RUN",
        },
      },
    };
    const base = (eventType: OpenLineageRunEvent["eventType"], time: number, facets: Record<string, unknown>) => ({
      eventType,
      eventTime: new Date(time).toISOString(),
      producer,
      schemaURL: RUN_EVENT_SCHEMA,
      run: { runId: openLineageRunId(run.runId), ...(Object.keys(facets).length > 0 ? { facets } : {}) },
      job,
    });
    const out: OpenLineageRunEvent[] = [
      { ...base("START", run.startTime, runFacets), inputs: datasets("input"), outputs: [] },
    ];
    if (run.endTime !== null && (run.status === "FINISHED" || run.status === "FAILED" || run.status === "KILLED")) {
      const type = run.status === "FINISHED" ? "COMPLETE" : run.status === "FAILED" ? "FAIL" : "ABORT";
      const facets = { ...runFacets };
      if (run.status === "FAILED" && run.errorMessage !== null) {
        facets.errorMessage = {
          _producer: producer,
          _schemaURL: ERROR_FACET,
          message: run.errorMessage,
          programmingLanguage: "TypeScript",
        };
      }
      out.push({ ...base(type, run.endTime, facets), inputs: datasets("input"), outputs: datasets("output") });
    }
    return out;
  });
}
