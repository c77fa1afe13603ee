import { type DataCommitRef, hashValue, isMlstackError, MlstackError, parseInput } from "@mlstack/core";
import { pipelineSchema } from "../schemas.js";
import type {
  CommitEvent,
  Datum,
  DatumPlan,
  FileInfo,
  OutputFile,
  PipelineDefinition,
  PipelinePlan,
  PipelineRunResult,
  PipelineSubscription,
  SubscribeOptions,
} from "../spec.js";
import type { ReferenceDataEngine } from "./data-engine.js";
import { toFileInfo } from "./diff-trees.js";
import { compileGlob } from "./match-glob.js";
import { normalizePath } from "./normalize-path.js";

/** What a pipeline remembers of its last successful run. */
interface PipelineState {
  readonly v: 1;
  readonly fingerprint: string;
  readonly output: { repo: string; branch: string };
  readonly input: DataCommitRef;
  /** Per datum: the hash of its input files and the output paths it wrote. */
  readonly datums: Record<string, { hash: string; outputs: string[] }>;
}

interface Plan extends PipelinePlan {
  readonly state: PipelineState | undefined;
  readonly stateDigest: string | undefined;
  readonly groups: Map<string, FileInfo[]>;
  readonly hashes: Map<string, string>;
}

const stateRef = (name: string) => `pipelines/${name}`;

/**
 * Groups files into datums by the input glob: `/` is one datum of the whole tree; otherwise a file
 * belongs to the datum of its shortest path prefix that the glob matches (a glob ending in `**`
 * matches whole file paths, so every file is its own datum). Files no prefix matches are not inputs.
 */
export function groupDatums(files: readonly FileInfo[], glob: string): Map<string, FileInfo[]> {
  const groups = new Map<string, FileInfo[]>();
  if (glob === "/") {
    if (files.length > 0) groups.set("/", [...files]);
    return groups;
  }
  const pattern = glob.slice(1);
  const match = compileGlob(pattern);
  const filesOnly = pattern.endsWith("**");
  for (const file of files) {
    const segments = file.path.split("/");
    for (let k = filesOnly ? segments.length : 1; k <= segments.length; k++) {
      const key = segments.slice(0, k).join("/");
      if (match(key)) {
        const group = groups.get(key);
        if (group) group.push(file);
        else groups.set(key, [file]);
        break;
      }
    }
  }
  return groups;
}

async function plan(engine: ReferenceDataEngine, input: PipelineDefinition): Promise<Plan> {
  const p = parseInput(pipelineSchema, input, "pipeline") as PipelineDefinition;
  const fingerprint = hashValue({ code: p.fingerprint.code, params: p.fingerprint.params ?? null });
  const head = await engine.resolve(p.input.repo, p.input.branch);
  await engine.head(p.output.repo, p.output.branch);
  const files: FileInfo[] = [];
  for await (const [path, entry] of engine.walkPrefix(head.commit.tree, "")) files.push(toFileInfo(path, entry));
  const groups = groupDatums(files, p.input.glob);
  const stateDigest = await engine.storage.refs.get(stateRef(p.name));
  let state =
    stateDigest === undefined ? undefined : await engine.getJson<PipelineState>(stateDigest, "pipeline state");
  // A state written for another output branch says nothing about this one.
  if (state && (state.output.repo !== p.output.repo || state.output.branch !== p.output.branch)) state = undefined;
  const hashes = new Map<string, string>();
  const datums: DatumPlan[] = [];
  for (const [key, group] of groups) {
    const hash = hashValue(group.map((f) => [f.path, f.digest, f.metadata ?? null]));
    hashes.set(key, hash);
    const previous = state?.datums[key];
    if (previous === undefined) datums.push({ key, action: "run", reason: "new" });
    else if (state?.fingerprint !== fingerprint) datums.push({ key, action: "run", reason: "fingerprint-changed" });
    else if (previous.hash !== hash) datums.push({ key, action: "run", reason: "input-changed" });
    else datums.push({ key, action: "skip", reason: "unchanged" });
  }
  for (const key of Object.keys(state?.datums ?? {})) {
    if (!groups.has(key)) datums.push({ key, action: "delete", reason: "removed" });
  }
  return {
    pipeline: p.name,
    input: { kind: "data-commit", repo: p.input.repo, commit: head.id },
    fingerprint,
    datums,
    state,
    stateDigest,
    groups,
    hashes,
  };
}

/** The dry run: which datums would run, be skipped or deleted, and why. */
export async function explainPipeline(
  engine: ReferenceDataEngine,
  pipeline: PipelineDefinition,
): Promise<PipelinePlan> {
  const { pipeline: name, input, fingerprint, datums } = await plan(engine, pipeline);
  return { pipeline: name, input, fingerprint, datums };
}

function datumOf(engine: ReferenceDataEngine, key: string, files: FileInfo[], input: DataCommitRef): Datum {
  const inDatum = (path: string) => {
    if (!files.some((f) => f.path === path)) {
      throw new MlstackError("INVALID_ARGUMENT", `${path} is not an input of datum ${key}`, {
        details: { datum: key, path },
      });
    }
    return path;
  };
  return {
    key,
    files,
    input,
    read: (path) => engine.read(input.repo, input.commit, inDatum(path)),
    readBytes: async (path) => engine.readBytes(input.repo, input.commit, inDatum(path)),
  };
}

async function transformWithRetries(
  pipeline: PipelineDefinition,
  datum: Datum,
  signal: AbortSignal | undefined,
): Promise<readonly OutputFile[]> {
  const tries = pipeline.datumTries ?? 3;
  let last: unknown;
  for (let attempt = 1; attempt <= tries; attempt++) {
    if (signal?.aborted) throw new MlstackError("CANCELLED", "the pipeline run was aborted", { cause: signal.reason });
    try {
      const outputs = await pipeline.transform(datum, signal ? { signal, attempt } : { attempt });
      if (!Array.isArray(outputs))
        throw new MlstackError("INVALID_ARGUMENT", "a transform must return an array of output files");
      return outputs;
    } catch (error) {
      last = error;
    }
  }
  throw new MlstackError(
    isMlstackError(last) ? last.code : "INTERNAL",
    `datum ${datum.key} of pipeline ${pipeline.name} failed ${tries} time(s); nothing was committed: ${
      last instanceof Error ? last.message : String(last)
    }`,
    { cause: last, details: { pipeline: pipeline.name, datum: datum.key, tries } },
  );
}

/**
 * Runs a pipeline incrementally in one commit on its output branch: datums whose inputs or the
 * fingerprint changed run (each up to `datumTries` times), outputs of vanished datums are deleted, the
 * rest are skipped. Any failure commits nothing. The commit's provenance is the exact input commit.
 */
export async function runPipeline(
  engine: ReferenceDataEngine,
  pipeline: PipelineDefinition,
  signal: AbortSignal | undefined,
): Promise<PipelineRunResult> {
  const planned = await plan(engine, pipeline);
  const { state, groups, hashes, input, fingerprint, datums } = planned;
  const toRun = datums.filter((d) => d.action === "run");
  const toDelete = datums.filter((d) => d.action === "delete");
  const summary = { pipeline: planned.pipeline, input, fingerprint, datums };
  const counts = {
    processed: toRun.length,
    skipped: datums.length - toRun.length - toDelete.length,
    deleted: toDelete.length,
  };
  if (toRun.length === 0 && toDelete.length === 0) return { ...summary, commit: undefined, ...counts };

  const nextDatums: PipelineState["datums"] = {};
  for (const d of datums) {
    if (d.action === "skip") nextDatums[d.key] = state?.datums[d.key] as { hash: string; outputs: string[] };
  }
  const writers = new Map<string, string>();
  for (const [key, value] of Object.entries(nextDatums)) for (const path of value.outputs) writers.set(path, key);

  const outputHead = await engine.head(pipeline.output.repo, pipeline.output.branch);
  const { commit } = await engine.commitWith(
    pipeline.output.repo,
    pipeline.output.branch,
    async (tx) => {
      for (const d of [...toDelete, ...toRun]) {
        for (const path of state?.datums[d.key]?.outputs ?? []) await tx.remove(path);
      }
      let done = 0;
      for (const d of toRun) {
        const outputs = await transformWithRetries(
          pipeline,
          datumOf(engine, d.key, groups.get(d.key) ?? [], input),
          signal,
        );
        const paths: string[] = [];
        for (const out of outputs) {
          const path = normalizePath(out?.path);
          const other = writers.get(path);
          if (other !== undefined) {
            throw new MlstackError("INVALID_ARGUMENT", `datums ${other} and ${d.key} both write ${path}`, {
              details: { path, datums: [other, d.key] },
            });
          }
          writers.set(path, d.key);
          paths.push(path);
          await tx.put(path, out.data, out.metadata ? { metadata: out.metadata } : {});
        }
        nextDatums[d.key] = { hash: hashes.get(d.key) as string, outputs: paths };
        engine.progress(`pipeline:${pipeline.name}`, ++done, toRun.length, "datums");
      }
    },
    {
      message: `pipeline ${pipeline.name}: ${toRun.length} datum(s) run, ${toDelete.length} removed`,
      expectedHead: outputHead,
      allowEmpty: true,
      origin: "pipeline",
      provenance: [input],
      metadata: { pipeline: pipeline.name, fingerprint },
      signal,
    },
  );
  const next: PipelineState = {
    v: 1,
    fingerprint,
    output: { repo: pipeline.output.repo, branch: pipeline.output.branch },
    input,
    datums: nextDatums,
  };
  const nextDigest = await engine.putJson(next);
  if (!(await engine.storage.refs.cas(stateRef(pipeline.name), planned.stateDigest, nextDigest))) {
    throw new MlstackError("CONFLICT", `another run of pipeline ${pipeline.name} finished meanwhile`, {
      details: { pipeline: pipeline.name, commit: commit.id },
    });
  }
  return { ...summary, commit, ...counts };
}

/** Runs a pipeline on every commit the engine makes to its input branch; runs never overlap. */
export function subscribePipeline(
  engine: ReferenceDataEngine,
  pipeline: PipelineDefinition,
  options: SubscribeOptions,
): PipelineSubscription {
  const p = parseInput(pipelineSchema, pipeline, "pipeline") as PipelineDefinition;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  const runLoop = async () => {
    do {
      again = false;
      try {
        const result = await engine.runPipeline(p);
        options.onRun?.(result);
      } catch (error) {
        options.onError?.(error as Error);
      }
    } while (again && !closed);
    running = undefined;
  };
  const onCommit = (event: CommitEvent) => {
    if (closed || event.repo !== p.input.repo || event.branch !== p.input.branch) return;
    if (running) again = true;
    else running = runLoop();
  };
  engine.on("commit", onCommit);
  return {
    async close() {
      closed = true;
      engine.off("commit", onCommit);
      await running;
    },
  };
}
