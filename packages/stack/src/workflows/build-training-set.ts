import {
  type DataCommitRef,
  isMlstackError,
  MlstackError,
  parseInput,
  refKey,
  type TrainingSetRef,
} from "@mlstack/core";
import type { CommitInfo, DataEngine } from "@mlstack/data";
import type { Row, TrainingSet } from "@mlstack/features";
import { z } from "zod";
import type { BuildTrainingSetRequest, StackTrainingSet } from "../spec.js";
import type { StackCore } from "../stack-core.js";
import { DEFAULT_TRAINING_SET_REPO, trainingSetSnapshotPath } from "../wiring/data-input-resolver.js";

const requestSchema = z.looseObject({ brick: z.string().min(1).optional() });

const ROWS_PER_CHUNK = 1000;
const encoder = new TextEncoder();

const bigintAsString = (_key: string, value: unknown): unknown =>
  typeof value === "bigint" ? value.toString() : value;

// Plain JSON.stringify is about twice as fast as one with a replacer; only a row holding a bigint
// (which it refuses with a TypeError) takes the replacer.
function jsonLine(row: Row): string {
  try {
    return JSON.stringify(row);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(row, bigintAsString);
  }
}

// JSON Lines, a chunk of rows at a time: a large set is never one string. Bigints are written as strings
// (JSON has no integer type wider than 2^53); non-finite numbers become null, as JSON has no others.
async function* jsonLines(rows: readonly Row[]): AsyncIterable<Uint8Array> {
  for (let i = 0; i < rows.length; i += ROWS_PER_CHUNK) {
    let text = "";
    for (const row of rows.slice(i, i + ROWS_PER_CHUNK)) text += `${jsonLine(row)}\n`;
    yield encoder.encode(text);
  }
}

async function ensureRepo(data: DataEngine, repo: string): Promise<void> {
  try {
    await data.getRepo(repo);
  } catch (error) {
    if (!isMlstackError(error, "NOT_FOUND")) throw error;
    await data
      .createRepo(repo, { description: "training-set snapshots the stack's trainers read" })
      .catch((e: unknown) => {
        if (!isMlstackError(e, "ALREADY_EXISTS")) throw e;
      });
  }
}

// The commit that first snapshotted this set, when the same set was built before.
async function earlierSnapshot(data: DataEngine, repo: string, ref: TrainingSetRef): Promise<CommitInfo | undefined> {
  const key = refKey(ref);
  const commits = await data.log(repo, "main");
  return commits.reverse().find((c) => c.metadata.trainingSet === key);
}

/** Commits the set's rows as `<id>/<contentHash>.jsonl`, with the set's data commits as provenance. */
async function snapshot(core: StackCore, data: DataEngine, set: TrainingSet): Promise<DataCommitRef> {
  const repo = core.options.lineage?.trainingSetRepo ?? DEFAULT_TRAINING_SET_REPO;
  await ensureRepo(data, repo);
  const path = trainingSetSnapshotPath(set.ref);
  let allowEmpty = false;
  for (let attempt = 1; ; attempt++) {
    try {
      const commit = await data.commit(
        repo,
        "main",
        async (tx) => {
          await tx.put(path, jsonLines(set.rows));
        },
        {
          message: `training set ${set.ref.id} (${set.rows.length} rows)`,
          author: `stack:${core.name}`,
          provenance: [...set.lineage],
          metadata: { trainingSet: refKey(set.ref), featureNames: [...set.featureNames], rows: set.rows.length },
          allowEmpty,
        },
      );
      return commit.ref;
    } catch (error) {
      // The same set built again writes the same bytes: nothing to commit, the first snapshot holds it
      // (or, when something else wrote those bytes, an empty commit records this snapshot).
      if (isMlstackError(error, "FAILED_PRECONDITION") && !allowEmpty) {
        const earlier = await earlierSnapshot(data, repo, set.ref);
        if (earlier) return earlier.ref;
        allowEmpty = true;
        continue;
      }
      // Another snapshot moved the branch meanwhile: try again on the new head.
      if (isMlstackError(error, "CONFLICT") && attempt < 5) continue;
      throw error;
    }
  }
}

/**
 * Builds a point-in-time training set through the (wired) FeatureStore, so it is recorded in lineage
 * with its data commits and feature views, then snapshots its rows into the DataEngine (when the stack
 * has one) for trainers to read through `dataInputResolver`, and records training set → snapshot.
 */
export async function buildTrainingSet(core: StackCore, request: BuildTrainingSetRequest): Promise<StackTrainingSet> {
  if (typeof request !== "object" || request === null) {
    throw new MlstackError("INVALID_ARGUMENT", "buildTrainingSet takes a historical request");
  }
  const { brick } = parseInput(requestSchema, request, "training set request");
  const { brick: _brick, ...historical } = request;
  const features = core.wired("features", brick);
  const data = core.find("data");
  const set = await features.getHistoricalFeatures(historical);
  if (data === undefined) return set;
  const commit = await snapshot(core, data.brick, set);
  const recorder = core.lineage;
  if (recorder) {
    await recorder.record(`training set snapshot ${refKey(commit)}`, () =>
      recorder.putExecution({
        id: `stack.snapshot:${refKey(commit)}`,
        type: "stack.snapshot",
        name: `snapshot of training set ${set.ref.id}`,
        properties: { rows: set.rows.length, path: trainingSetSnapshotPath(set.ref) },
        inputs: [set.ref],
        outputs: [commit],
      }),
    );
  }
  return { ...set, snapshot: commit };
}
