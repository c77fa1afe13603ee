import type { FileEntry } from "./object-codec.js";
import type { ObjectReader } from "./object-reader.js";

/** Every file under a tree as `[path, entry]`, depth first, names in sorted order. */
export async function* walkTree(
  reader: ObjectReader,
  tree: string,
  prefix: string,
): AsyncGenerator<[string, FileEntry]> {
  for (const entry of await reader.tree(tree)) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.kind === "file") yield [path, entry];
    else yield* walkTree(reader, entry.tree, path);
  }
}

/**
 * Every file under a tree, collected into `out` as `[path, entry]` in the same order as
 * {@link walkTree}; much faster than the generator for 100,000 files (one await per directory).
 */
export async function collectTree(
  reader: ObjectReader,
  tree: string,
  prefix: string,
  out: Array<[string, FileEntry]>,
): Promise<Array<[string, FileEntry]>> {
  for (const entry of await reader.tree(tree)) {
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.kind === "file") out.push([path, entry]);
    else await collectTree(reader, entry.tree, path, out);
  }
  return out;
}
