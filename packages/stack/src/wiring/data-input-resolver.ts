import { isMlstackError, MlstackError, parseInput, type Ref, refKey, refSchema } from "@mlstack/core";
import type { DataEngine } from "@mlstack/data";
import type { InputResolver } from "@mlstack/training";
import { z } from "zod";

/** The DataEngine repo training-set snapshots go to when the stack names none. */
export const DEFAULT_TRAINING_SET_REPO = "mlstack-training-sets";

/** The path of a training set's snapshot in its repo: `<id>/<contentHash>.jsonl`. */
export function trainingSetSnapshotPath(ref: { readonly id: string; readonly contentHash: string }): string {
  // Encoded so any id is one path segment (`.` and `..` included).
  const segment = (s: string) => encodeURIComponent(s).replace(/^\.+$/, (dots) => "%2E".repeat(dots.length));
  return `${segment(ref.id)}/${segment(ref.contentHash)}.jsonl`;
}

const optionsSchema = z.object({ repo: z.string().min(1).optional() }).strict();

async function* jsonLines(
  chunks: AsyncIterable<Uint8Array>,
  what: string,
  signal: AbortSignal,
): AsyncIterable<Record<string, unknown>> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let buffered = "";
  let line = 0;
  const parse = (text: string): Record<string, unknown> | undefined => {
    line++;
    if (text.trim() === "") return undefined;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch {
      throw new MlstackError("INVALID_ARGUMENT", `line ${line} of ${what} is not JSON`, { details: { what, line } });
    }
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      throw new MlstackError("INVALID_ARGUMENT", `line ${line} of ${what} is not a JSON object`, {
        details: { what, line },
      });
    }
    return row as Record<string, unknown>;
  };
  for await (const chunk of chunks) {
    if (signal.aborted) throw new MlstackError("CANCELLED", `reading ${what} was aborted`);
    buffered += decoder.decode(chunk, { stream: true });
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const row = parse(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      if (row) yield row;
      newline = buffered.indexOf("\n");
    }
  }
  buffered += decoder.decode();
  const last = parse(buffered);
  if (last) yield last;
}

/**
 * The {@link InputResolver} a TrainingEngine in a stack is given: trainers read training sets from the
 * snapshots `stack.buildTrainingSet` commits to `repo` (default `mlstack-training-sets`), and data
 * files from the JSON Lines file at their commit (digest-checked when the ref carries one). Any other
 * ref is `INVALID_ARGUMENT`; a training set never snapshotted is `NOT_FOUND`.
 */
export function dataInputResolver(data: DataEngine, options: { readonly repo?: string } = {}): InputResolver {
  const repo = parseInput(optionsSchema, options, "data input resolver options").repo ?? DEFAULT_TRAINING_SET_REPO;
  return {
    requires: Object.freeze([
      { slot: "data" as const, capabilities: ["tables"], reason: "trainers read training sets and data files from it" },
    ]),
    async *read(input: Ref, signal: AbortSignal): AsyncIterable<Record<string, unknown>> {
      const ref = parseInput(refSchema, input, "input ref");
      if (ref.kind === "training-set") {
        const path = trainingSetSnapshotPath(ref);
        try {
          await data.stat(repo, "main", path);
        } catch (error) {
          if (!isMlstackError(error, "NOT_FOUND")) throw error;
          throw new MlstackError(
            "NOT_FOUND",
            `training set ${refKey(ref)} has no snapshot in ${repo}: build it with stack.buildTrainingSet`,
            { details: { ref, repo, path }, cause: error },
          );
        }
        yield* jsonLines(data.read(repo, "main", path, { signal }), refKey(ref), signal);
        return;
      }
      if (ref.kind === "data-file") {
        if (ref.digest !== undefined) {
          const file = await data.stat(ref.repo, ref.commit, ref.path);
          if (file.digest !== ref.digest) {
            throw new MlstackError("FAILED_PRECONDITION", `${refKey(ref)} does not match the file's digest`, {
              details: { ref, digest: file.digest },
            });
          }
        }
        yield* jsonLines(data.read(ref.repo, ref.commit, ref.path, { signal }), refKey(ref), signal);
        return;
      }
      throw new MlstackError(
        "INVALID_ARGUMENT",
        `a trainer in a stack reads training sets and data files (JSON Lines), not ${ref.kind} refs`,
        { details: { ref } },
      );
    },
  };
}
