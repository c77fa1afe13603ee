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
