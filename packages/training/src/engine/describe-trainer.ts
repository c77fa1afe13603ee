import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { canonicalJson, MlstackError, sha256Hex } from "@mlstack/core";
import { isCommandTrainer } from "../define-trainer.js";
import type { AnyTrainer, TrainerInfo } from "../spec.js";
import { packageVersions } from "./package-versions.js";

/** A trainer's identity and code, as recorded in every job's reproducibility record. */
export interface TrainerDescription {
  readonly info: TrainerInfo;
  readonly packages: Readonly<Record<string, string>>;
}

async function readCode(file: string, trainer: AnyTrainer): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new MlstackError(
      "INVALID_ARGUMENT",
      `cannot read the code of trainer ${trainer.name}@${trainer.version}: ${file}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Fingerprints a trainer's code, once, when it is registered: the bytes of its module file (or of a
 * command trainer's command and code files), and the versions of the packages its module imports.
 * A trainer with no module is fingerprinted by the source text of its `run` function.
 */
export async function describeTrainer(trainer: AnyTrainer): Promise<TrainerDescription> {
  const base = { name: trainer.name, version: trainer.version };
  if (isCommandTrainer(trainer)) {
    const files = [];
    for (const path of trainer.codeFiles ?? []) files.push({ path, sha256: sha256Hex(await readCode(path, trainer)) });
    const fingerprint = `sha256:${sha256Hex(canonicalJson({ command: trainer.command, files }))}`;
    return { info: { ...base, fingerprint, command: [...trainer.command] }, packages: {} };
  }
  if (!trainer.module) {
    return { info: { ...base, fingerprint: `sha256:${sha256Hex(String(trainer.run))}` }, packages: {} };
  }
  if (!trainer.module.startsWith("file:")) {
    throw new MlstackError("INVALID_ARGUMENT", `a trainer module must be a file: URL, got ${trainer.module}`);
  }
  const file = fileURLToPath(trainer.module);
  const code = await readCode(file, trainer);
  return {
    info: { ...base, fingerprint: `sha256:${sha256Hex(code)}`, module: trainer.module },
    packages: await packageVersions(file, code.toString("utf8")),
  };
}
