import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { MlstackError } from "@mlstack/core";
import type { ServingStorage, StoredDeployment } from "./spec.js";

function unavailable(what: string, cause: unknown): MlstackError {
  return new MlstackError("UNAVAILABLE", `serving storage: cannot ${what}`, { cause });
}

/**
 * Deployment records as JSON files in a folder, one per deployment. A write goes to a temporary file that
 * is fsynced and renamed over the old one, so a crash leaves either the old record or the new one.
 */
export class FileServingStorage implements ServingStorage {
  readonly name = "file";
  readonly durable = true;
  /** The absolute folder. */
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  #path(name: string): string {
    // Deployment names are URL-safe already; encoding keeps any future name from escaping the folder.
    return join(this.root, `${encodeURIComponent(name)}.json`);
  }

  async list(): Promise<StoredDeployment[]> {
    let files: string[];
    try {
      files = await readdir(this.root);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw unavailable("list deployments", error);
    }
    const records: StoredDeployment[] = [];
    for (const file of files.filter((f) => f.endsWith(".json")).sort()) {
      const record = await this.get(decodeURIComponent(file.slice(0, -".json".length)));
      if (record) records.push(record);
    }
    return records;
  }

  async get(name: string): Promise<StoredDeployment | undefined> {
    let text: string;
    try {
      text = await readFile(this.#path(name), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw unavailable(`read deployment ${name}`, error);
    }
    try {
      return JSON.parse(text) as StoredDeployment;
    } catch (error) {
      throw new MlstackError("DATA_CORRUPTION", `serving storage: record of ${name} is not JSON`, { cause: error });
    }
  }

  async put(deployment: StoredDeployment): Promise<void> {
    const tmp = join(this.root, `.${randomUUID()}.tmp`);
    try {
      await mkdir(this.root, { recursive: true });
      const handle = await open(tmp, "w");
      try {
        await handle.writeFile(JSON.stringify(deployment));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.#path(deployment.name));
    } catch (error) {
      await rm(tmp, { force: true });
      throw unavailable(`write deployment ${deployment.name}`, error);
    }
  }

  async delete(name: string): Promise<void> {
    try {
      await rm(this.#path(name), { force: true });
    } catch (error) {
      throw unavailable(`delete deployment ${name}`, error);
    }
  }
}
