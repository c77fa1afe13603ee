import type { ResolvedFeatureView, ViewMaterialization } from "../spec.js";
import type { OnlineRecord } from "../storage/spec.js";
import { onlineRecordAt } from "../storage/value-codec.js";
import type { EngineContext } from "./context.js";
import { throwIfAborted } from "./context.js";

const WRITE_BATCH = 10_000;

/**
 * Materializes one view: the latest row per key with event time in [start, end] (greatest event time,
 * then created time, then ingestion) goes online under the stale-write rule, in committed batches. The
 * watermark moves to `end` only after every batch committed, so an interrupted run is simply run again:
 * rows already written are not newer than themselves and are ignored.
 */
export async function materializeView(
  ctx: EngineContext,
  view: ResolvedFeatureView,
  start: number,
  end: number,
  signal: AbortSignal | undefined,
): Promise<ViewMaterialization> {
  const layout = { name: view.name, fields: view.schema.fields };
  const task = `materialize:${view.name}`;
  const scan = await ctx.storage.scanOffline(layout, { start, end });
  let total = 0;
  let done = 0;
  let written = 0;
  let buffer: OnlineRecord[] = [];
  const flush = async () => {
    throwIfAborted(signal, `materializing "${view.name}"`);
    const result = await ctx.storage.writeOnline(layout, buffer);
    written += result.written;
    done += buffer.length;
    buffer = [];
    ctx.progress({ task, done, unit: "rows" });
  };
  // Each key's run is ordered, so its last row is the winner; a scan reads segment by segment.
  for await (const segment of scan.segments()) {
    throwIfAborted(signal, `materializing "${view.name}"`);
    total += segment.keys.length;
    for (let k = 0; k < segment.keys.length; k++) {
      buffer.push(onlineRecordAt(segment, segment.keys[k] as string, (segment.offsets[k + 1] as number) - 1));
      if (buffer.length === WRITE_BATCH) await flush();
    }
  }
  if (buffer.length > 0) await flush();
  const previous = await ctx.storage.getWatermark(view.name);
  if (previous === undefined || end > previous) await ctx.storage.setWatermark(view.name, end);
  return { view: view.name, start, end, rows: total, written, ignored: total - written };
}
