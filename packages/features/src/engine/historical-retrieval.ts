import type { DataCommitRef, TrainingSetRef } from "@mlstack/core";
import { canonicalJson, MlstackError, refKey, toMlstackError } from "@mlstack/core";
import type { z } from "zod";
import type { historicalRequestSchema } from "../schemas.js";
import type { Row, TrainingSetStream } from "../spec.js";
import type { ValueColumn } from "../storage/spec.js";
import { computeOnDemand } from "./compute-on-demand.js";
import type { EngineContext } from "./context.js";
import { throwIfAborted } from "./context.js";
import type { ViewRead } from "./feature-selection.js";
import type { RowBuilder } from "./row-builder.js";
import { compileRowBuilder } from "./row-builder.js";
import { RowDigest } from "./row-digest.js";
import { ViewIndex } from "./view-index.js";

type HistoricalRequest = z.output<typeof historicalRequestSchema>;

// Entity rows given as an array are joined in large batches (the sort-merge wins with size); streamed
// rows in small ones, so memory follows the feature data, not the stream.
const ARRAY_BATCH = 1 << 20;
const STREAM_BATCH = 8192;
// Batch positions fit in 21 bits, so (run, row) packs exactly into one float64 sort key.
const ROW_SPACE = 2 ** 21;

// Arrays are cut into slices; other sources are read row by row into batches.
async function* batchesOf(source: Iterable<Row> | AsyncIterable<Row>): AsyncGenerator<Row[]> {
  if (Array.isArray(source)) {
    for (let i = 0; i < source.length; i += ARRAY_BATCH) yield source.slice(i, i + ARRAY_BATCH);
    return;
  }
  let batch: Row[] = [];
  for await (const row of source) {
    batch.push(row);
    if (batch.length === STREAM_BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function timeOf(row: Row, column: string, index: number, required: boolean): number | undefined {
  const value = row[column];
  if (Number.isInteger(value)) return value as number;
  if (!required && (value === undefined || value === null)) return undefined;
  throw new MlstackError(
    "INVALID_ARGUMENT",
    `entityRows.${index}: "${column}" must be an integer timestamp (epoch ms), got ${value === undefined ? "nothing" : typeof value}`,
    { details: { path: `entityRows.${index}.${column}` } },
  );
}

/** The lineage of the views read: their sources' data commits, each once. */
function lineageOf(views: readonly { view: { source: { dataRef?: DataCommitRef } } }[]): DataCommitRef[] {
  const refs = new Map<string, DataCommitRef>();
  for (const { view } of views) if (view.source.dataRef) refs.set(refKey(view.source.dataRef), view.source.dataRef);
  return [...refs.values()];
}

/**
 * Point-in-time retrieval as a stream of row batches. Feature data is loaded once per view (memory is
 * bounded by it) and is never sorted: its rows are already ordered by key and time. The entity rows
 * stream through in batches; each batch is ordered by key run (an integer sort of the batch), each row
 * binary-searched in its run, and the output rebuilt in input order.
 */
export function retrieveHistorical(
  ctx: EngineContext,
  parse: () => HistoricalRequest,
): TrainingSetStream & { lineage: Promise<DataCommitRef[]> } {
  const names = deferred<readonly string[]>();
  const lineage = deferred<DataCommitRef[]>();
  const ref = deferred<TrainingSetRef>();
  const rejectAll = (error: unknown) => {
    for (const d of [names, lineage, ref]) d.reject(error);
  };

  async function* run(): AsyncGenerator<readonly Row[]> {
    let finished = false;
    try {
      const request = parse();
      const selection = await ctx.select(request);
      names.resolve(selection.featureNames);
      lineage.resolve(lineageOf(selection.views));
      const indexes = await Promise.all(
        selection.views.map((read) => ViewIndex.load(ctx.storage, read.layout, undefined, request.signal)),
      );
      const timestampColumn = request.timestampColumn ?? "event_timestamp";
      const knownColumn = request.asOfKnownTimeColumn;
      const hash = new RowDigest();
      hash.update(
        canonicalJson({
          version: 1,
          definitions: selection.definitionHash,
          data: indexes.map((index) => index.digest),
          featureNames: selection.featureNames,
          timestampColumn,
          asOfKnownTime: request.asOfKnownTime,
          asOfKnownTimeColumn: knownColumn,
        }),
      );
      const views = selection.views;
      const featureCount = selection.featureNames.length;
      const slot = new Map(selection.featureNames.map((name, i) => [name, i]));
      let build: RowBuilder | undefined;
      let collides: string | undefined;
      let done = 0;
      for await (const batch of batchesOf(request.entityRows)) {
        throwIfAborted(request.signal, "historical retrieval");
        const n = batch.length;
        const times = new Float64Array(n);
        const asOfs = new Float64Array(n);
        const builders: RowBuilder[] = new Array(n);
        // Pass 1, in input order: validate, hash, and find each row's run in every view.
        const runs = views.map(() => new Int32Array(n));
        for (let b = 0; b < n; b++) {
          const row = batch[b] as Row;
          const index = done + b;
          if (typeof row !== "object" || row === null) throw notARow(index);
          const shape = hash.add(row);
          if (shape !== undefined) {
            collides = selection.featureNames.find((name) => shape.includes(name));
            build = compileRowBuilder(shape, selection.featureNames);
          }
          if (collides !== undefined) throw collision(collides, index);
          builders[b] = build as RowBuilder;
          times[b] = timeOf(row, timestampColumn, index, true) as number;
          let asOf = request.asOfKnownTime ?? Number.POSITIVE_INFINITY;
          if (knownColumn !== undefined) asOf = Math.min(asOf, timeOf(row, knownColumn, index, false) ?? asOf);
          asOfs[b] = asOf;
          for (let v = 0; v < views.length; v++) {
            const read = views[v] as (typeof views)[number];
            const viewIndex = indexes[v] as ViewIndex;
            const integer = read.integerKeyOf?.(row);
            (runs[v] as Int32Array)[b] =
              integer === undefined
                ? viewIndex.runOf(read.keyOf(row, "entityRows", index))
                : viewIndex.runOfInteger(integer);
          }
        }
        // Pass 2, per view in run order (a sort-merge: the view's arrays are walked forward, not jumped
        // around): the winner of each row, and its feature values into columns.
        const columns: unknown[][] = Array.from({ length: featureCount }, () => new Array(n).fill(null));
        const positions = views.map((read, v) =>
          joinView(read, indexes[v] as ViewIndex, runs[v] as Int32Array, times, asOfs, columns, slot),
        );
        // On-demand views, per row, from the winners' source values.
        selection.onDemand.forEach((odfv) => {
          const slots = odfv.outputs.map((o) => slot.get(o.name) as number);
          for (let b = 0; b < n; b++) {
            const computed = computeOnDemand(odfv, batch[b] as Row, `entityRows.${done + b}`, (input) => {
              const v = views.indexOf(input.read);
              const position = (positions[v] as Int32Array)[b] as number;
              if (position < 0) return null;
              const segment = (indexes[v] as ViewIndex).segmentOf((runs[v] as Int32Array)[b] as number);
              return (segment.columns[input.field] as ValueColumn).get(position);
            });
            odfv.outputs.forEach((output, o) => {
              (columns[slots[o] as number] as unknown[])[b] = computed[output.field];
            });
          }
        });
        // Pass 3, in input order: the output rows.
        const out: Row[] = new Array(n);
        for (let b = 0; b < n; b++) out[b] = (builders[b] as RowBuilder)(batch[b] as Row, columns, b);
        hash.flush();
        done += n;
        ctx.progress({ task: "historical", done, unit: "rows" });
        yield out;
      }
      const hex = hash.digest();
      ref.resolve({ kind: "training-set", id: `ts-${hex.slice(0, 24)}`, contentHash: `sha256:${hex}` });
      finished = true;
    } catch (error) {
      const wrapped = toMlstackError(error);
      rejectAll(wrapped);
      throw wrapped;
    } finally {
      if (!finished) {
        rejectAll(new MlstackError("CANCELLED", "the training-set stream was not read to the end"));
      }
    }
  }

  return {
    featureNames: names.promise,
    ref: ref.promise,
    lineage: lineage.promise,
    [Symbol.asyncIterator]: () => run(),
  };
}

/**
 * Joins one view for a batch: rows are visited grouped by run, in run order (the packed sort key is
 * run × 2^21 + row, so rows of one run keep input order), which walks the view's ordered arrays forward.
 * Writes each winner's outputs into `columns` and returns the winning position per row (-1 for none).
 */
function joinView(
  read: ViewRead,
  index: ViewIndex,
  runs: Int32Array,
  times: Float64Array,
  asOfs: Float64Array,
  columns: unknown[][],
  slot: ReadonlyMap<string, number>,
): Int32Array {
  const n = runs.length;
  const order = new Float64Array(n);
  let m = 0;
  for (let b = 0; b < n; b++) {
    const run = runs[b] as number;
    if (run >= 0) order[m++] = run * ROW_SPACE + b;
  }
  const sorted = order.subarray(0, m).sort();
  const positions = new Int32Array(n).fill(-1);
  const outputs = read.outputs.map((o) => ({
    column: columns[slot.get(o.name) as number] as unknown[],
    field: o.field,
  }));
  const ttl = read.view.ttl;
  for (let k = 0; k < m; k++) {
    const packed = sorted[k] as number;
    const run = Math.floor(packed / ROW_SPACE);
    const b = packed - run * ROW_SPACE;
    const position = index.find(run, times[b] as number, ttl, asOfs[b] as number);
    if (position < 0) continue;
    positions[b] = position;
    const segment = index.segmentOf(run);
    for (const output of outputs) output.column[b] = (segment.columns[output.field] as ValueColumn).get(position);
  }
  return positions;
}

// A promise settled from outside; a rejection nobody awaits is not reported as unhandled.
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

function notARow(index: number): MlstackError {
  return new MlstackError("INVALID_ARGUMENT", `entityRows.${index}: expected an object`, {
    details: { path: `entityRows.${index}` },
  });
}

function collision(name: string, index: number): MlstackError {
  return new MlstackError(
    "INVALID_ARGUMENT",
    `entityRows.${index}: feature column "${name}" would overwrite the entity row's column of that name`,
    { details: { path: `entityRows.${index}.${name}`, column: name } },
  );
}
