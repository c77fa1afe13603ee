import type { DataCommitRef, TrainingSetRef } from "@mlstack/core";
import { canonicalJson, MlstackError, refKey, toMlstackError } from "@mlstack/core";
import type { z } from "zod";
import type { historicalRequestSchema } from "../schemas.js";
import type { Row, TrainingSetStream } from "../spec.js";
import type { OfflineSegment, ValueColumn } from "../storage/spec.js";
import { computeOnDemand } from "./compute-on-demand.js";
import type { EngineContext } from "./context.js";
import { throwIfAborted } from "./context.js";
import type { RowBuilder } from "./row-builder.js";
import { compileRowBuilder } from "./row-builder.js";
import { RowDigest } from "./row-digest.js";
import type { Hit } from "./view-index.js";
import { ViewIndex } from "./view-index.js";

type HistoricalRequest = z.output<typeof historicalRequestSchema>;

const BATCH = 8192;

// Arrays are cut into slices; other sources are read row by row into batches.
async function* batchesOf(source: Iterable<Row> | AsyncIterable<Row>): AsyncGenerator<Row[]> {
  if (Array.isArray(source)) {
    for (let i = 0; i < source.length; i += BATCH) yield source.slice(i, i + BATCH);
    return;
  }
  let batch: Row[] = [];
  for await (const row of source) {
    batch.push(row);
    if (batch.length === BATCH) {
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
 * bounded by it); the entity rows stream through, each looked up by key and binary-searched in its
 * key's ordered run, so output order is input order and nothing is sorted at query time.
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
      const hits: Hit[] = views.map(() => ({ segment: undefined as unknown as OfflineSegment, position: -1 }));
      const found: boolean[] = views.map(() => false);
      const onDemandIndex = new Map(views.map((read, i) => [read, i]));
      // Feature values of the current row go to their column's slot; a compiled builder makes the row.
      const slot = new Map(selection.featureNames.map((name, i) => [name, i]));
      const viewSlots = views.map((read) => read.outputs.map((o) => slot.get(o.name) as number));
      const onDemandSlots = selection.onDemand.map((read) => read.outputs.map((o) => slot.get(o.name) as number));
      const values: unknown[] = new Array(selection.featureNames.length);
      let build: RowBuilder | undefined;
      let collides: string | undefined;
      let done = 0;
      for await (const batch of batchesOf(request.entityRows)) {
        throwIfAborted(request.signal, "historical retrieval");
        const out: Row[] = new Array(batch.length);
        for (let b = 0; b < batch.length; b++) {
          const row = batch[b] as Row;
          const index = done + b;
          if (typeof row !== "object" || row === null) throw notARow(index);
          const shape = hash.add(row);
          if (shape !== undefined) {
            collides = selection.featureNames.find((name) => shape.includes(name));
            build = compileRowBuilder(shape, selection.featureNames);
          }
          if (collides !== undefined) throw collision(collides, index);
          const time = timeOf(row, timestampColumn, index, true) as number;
          let asOf = request.asOfKnownTime ?? Number.POSITIVE_INFINITY;
          if (knownColumn !== undefined) asOf = Math.min(asOf, timeOf(row, knownColumn, index, false) ?? asOf);
          for (let v = 0; v < views.length; v++) {
            const read = views[v] as (typeof views)[number];
            const hit = hits[v] as Hit;
            const viewIndex = indexes[v] as ViewIndex;
            const integer = read.integerKeyOf?.(row);
            const ok =
              integer === undefined
                ? viewIndex.find(read.keyOf(row, "entityRows", index), time, read.view.ttl, asOf, hit)
                : viewIndex.findInteger(integer, time, read.view.ttl, asOf, hit);
            found[v] = ok;
            const slots = viewSlots[v] as number[];
            for (let o = 0; o < read.outputs.length; o++) {
              values[slots[o] as number] = ok
                ? (hit.segment.columns[(read.outputs[o] as { field: number }).field] as ValueColumn).get(hit.position)
                : null;
            }
          }
          selection.onDemand.forEach((odfv, d) => {
            const computed = computeOnDemand(odfv, row, `entityRows.${index}`, (input) => {
              const v = onDemandIndex.get(input.read) as number;
              const hit = hits[v] as Hit;
              return found[v] ? (hit.segment.columns[input.field] as ValueColumn).get(hit.position) : null;
            });
            const slots = onDemandSlots[d] as number[];
            odfv.outputs.forEach((output, o) => {
              values[slots[o] as number] = computed[output.field];
            });
          });
          out[b] = (build as RowBuilder)(row, values);
        }
        hash.flush();
        done += batch.length;
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
