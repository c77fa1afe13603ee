import { MlstackError } from "@mlstack/core";
import type { z } from "zod";
import type { TableCommitResult } from "../spec.js";
import type { ReferenceDataEngine } from "./data-engine.js";
import { normalizePath } from "./normalize-path.js";

/** Invalid rows listed in an error's details, at most. */
const MAX_REPORTED_ROWS = 1000;
const BLOCK_BYTES = 256 * 1024;

/** One invalid row: its number (0-based) and each field path with its problem. */
export interface RowIssue {
  readonly row: number;
  readonly issues: ReadonlyArray<{ path: string; message: string }>;
}

async function* iterate<T>(records: Iterable<T> | AsyncIterable<T>): AsyncIterable<T> {
  yield* records;
}

/**
 * Validates every record against `schema` while streaming valid ones out as JSON Lines. Invalid rows
 * fail the whole commit (listing row numbers and field paths), or with `quarantine` go to that path.
 */
export async function commitTable<S extends z.ZodType>(
  engine: ReferenceDataEngine,
  repo: string,
  branch: string,
  path: string,
  schema: S,
  records: Iterable<z.input<S>> | AsyncIterable<z.input<S>>,
  options: { message: string; quarantine?: string | undefined; signal?: AbortSignal | undefined } & Record<
    string,
    unknown
  >,
): Promise<TableCommitResult> {
  const p = normalizePath(path);
  const quarantine = options.quarantine === undefined ? undefined : normalizePath(options.quarantine);
  if (quarantine === p)
    throw new MlstackError("INVALID_ARGUMENT", "the quarantine path must differ from the table path");
  if (typeof (schema as { safeParse?: unknown })?.safeParse !== "function") {
    throw new MlstackError("INVALID_ARGUMENT", "commitTable needs a zod schema");
  }
  if (
    records === null ||
    typeof records !== "object" ||
    !(Symbol.iterator in records || Symbol.asyncIterator in records)
  ) {
    throw new MlstackError("INVALID_ARGUMENT", "records must be an array, an Iterable or an AsyncIterable");
  }
  const bad: RowIssue[] = [];
  const badRecords: string[] = [];
  let badCount = 0;
  let rows = 0;
  const encoder = new TextEncoder();
  async function* lines(): AsyncIterable<Uint8Array> {
    let block = "";
    let index = 0;
    for await (const record of iterate(records)) {
      const parsed = schema.safeParse(record);
      if (parsed.success) {
        rows++;
        block += `${JSON.stringify(parsed.data)}\n`;
        if (block.length >= BLOCK_BYTES) {
          yield encoder.encode(block);
          block = "";
        }
      } else {
        badCount++;
        const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
        if (quarantine !== undefined) badRecords.push(JSON.stringify({ row: index, issues, record }));
        else if (bad.length < MAX_REPORTED_ROWS) bad.push({ row: index, issues });
      }
      index++;
      if (index % 10_000 === 0) engine.progress(`table:${p}`, index, undefined, "rows");
    }
    if (block.length > 0) yield encoder.encode(block);
  }
  const { commit } = await engine.commitWith(
    repo,
    branch,
    async (tx) => {
      await tx.put(p, lines(), { metadata: { format: "jsonl" } });
      if (badCount > 0 && quarantine === undefined) {
        const summary = bad
          .slice(0, 5)
          .map((r) => `row ${r.row}: ${r.issues.map((i) => `${i.path || "(row)"} ${i.message}`).join(", ")}`)
          .join("; ");
        throw new MlstackError("INVALID_ARGUMENT", `${badCount} invalid row(s); nothing was committed: ${summary}`, {
          details: { invalidRows: badCount, rows: bad },
        });
      }
      if (quarantine !== undefined && badRecords.length > 0) {
        await tx.put(quarantine, `${badRecords.join("\n")}\n`, { metadata: { format: "jsonl", quarantine: p } });
      }
    },
    { ...options, allowEmpty: options.allowEmpty === true },
  );
  return { commit, rows, quarantined: quarantine === undefined ? 0 : badCount };
}

/** Reads a JSON Lines table back, parsing each row with `schema` (a mismatch is `FAILED_PRECONDITION`). */
export function readTable<S extends z.ZodType>(
  engine: ReferenceDataEngine,
  repo: string,
  revision: string,
  path: string,
  schema: S,
): AsyncIterable<z.output<S>> {
  return {
    async *[Symbol.asyncIterator]() {
      const decoder = new TextDecoder();
      let rest = "";
      let row = 0;
      const parse = (line: string): z.output<S> => {
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch (error) {
          throw new MlstackError("DATA_CORRUPTION", `row ${row} of ${path} is not JSON`, { cause: error });
        }
        const parsed = schema.safeParse(value);
        if (!parsed.success) {
          throw new MlstackError("FAILED_PRECONDITION", `row ${row} of ${path} does not match the schema`, {
            details: {
              row,
              issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
            },
          });
        }
        row++;
        return parsed.data;
      };
      for await (const block of engine.read(repo, revision, path)) {
        rest += decoder.decode(block, { stream: true });
        const parts = rest.split("\n");
        rest = parts.pop() as string;
        for (const line of parts) if (line !== "") yield parse(line);
      }
      rest += decoder.decode();
      if (rest !== "") yield parse(rest);
    },
  };
}
