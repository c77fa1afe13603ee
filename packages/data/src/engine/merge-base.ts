/** Loads the parents of a commit. */
export type ParentsOf = (commit: string) => Promise<readonly string[]>;

async function ancestors(start: string, parentsOf: ParentsOf): Promise<Set<string>> {
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length > 0) {
    for (const p of await parentsOf(queue.shift() as string)) {
      if (!seen.has(p)) {
        seen.add(p);
        queue.push(p);
      }
    }
  }
  return seen;
}

/**
 * The best common ancestor of two commits (one that is not an ancestor of another common ancestor),
 * or undefined when they share no history.
 */
export async function mergeBase(a: string, b: string, parentsOf: ParentsOf): Promise<string | undefined> {
  const ofA = await ancestors(a, parentsOf);
  // Walk back from b, stopping at the first common commits on each path: the candidates.
  const candidates: string[] = [];
  const seen = new Set<string>([b]);
  const queue = [b];
  while (queue.length > 0) {
    const c = queue.shift() as string;
    if (ofA.has(c)) {
      candidates.push(c);
      continue;
    }
    for (const p of await parentsOf(c)) {
      if (!seen.has(p)) {
        seen.add(p);
        queue.push(p);
      }
    }
  }
  for (const c of candidates) {
    let dominated = false;
    for (const other of candidates) {
      if (other !== c && (await ancestors(other, parentsOf)).has(c)) dominated = true;
    }
    if (!dominated) return c;
  }
  return undefined;
}

/** Whether `ancestor` is `commit` or one of its ancestors. */
export async function isAncestor(ancestor: string, commit: string, parentsOf: ParentsOf): Promise<boolean> {
  return (await ancestors(commit, parentsOf)).has(ancestor);
}
