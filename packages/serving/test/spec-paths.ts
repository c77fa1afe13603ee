import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createOipValidator } from "../src/testing/index.js";

/** The shared specs folder beside the repository (CI clones the repo with shared/ next to it). */
export const OIP_SPEC_PATH = fileURLToPath(
  new URL("../../../../shared/specs/open_inference_rest.yaml", import.meta.url),
);

/** A validator built from the shared OIP REST spec. */
export const oip = createOipValidator(readFileSync(OIP_SPEC_PATH, "utf8"));
