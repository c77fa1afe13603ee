import type { Ref } from "@mlstack/core";
import { MlstackError, parseInput, refKey } from "@mlstack/core";
import { lineageQuerySchema, lineageSubgraphSchema } from "../schemas.js";
import type {
  LineageArtifact,
  LineageContext,
  LineageEvent,
  LineageExecution,
  LineageGraph,
  LineageQueryOptions,
  LineageSubgraphInput,
} from "../spec.js";
import type { Awaitable, MetadataTx } from "../storage/spec.js";
import type { EngineContext } from "./context.js";

function missing(what: string, id: string): MlstackError {
  return new MlstackError("NOT_FOUND", `no lineage ${what} ${id}`, { details: { [what]: id } });
}

async function requireArtifact(tx: MetadataTx, key: string): Promise<void> {
  if ((await tx.getArtifactNodes([key])).length === 0) throw missing("artifact", key);
}
async function requireExecution(tx: MetadataTx, id: string): Promise<void> {
  if ((await tx.getExecutions([id])).length === 0) throw missing("execution", id);
}
async function requireContext(tx: MetadataTx, id: string): Promise<void> {
  if ((await tx.getContexts([id])).length === 0) throw missing("context", id);
}

// Adding child → parent closes a cycle when child is already an ancestor of parent (or is parent).
async function closesCycle(tx: MetadataTx, child: string, parent: string): Promise<boolean> {
  const stack = [parent];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const c = stack.pop() as string;
    if (c === child) return true;
    if (seen.has(c)) continue;
    seen.add(c);
    stack.push(...(await tx.parentContexts(c)));
  }
  return false;
}

/**
 * Writes a lineage subgraph in one transaction. Nodes are upserted (properties merged, a node's type
 * may not change); an event needs both ends (`NOT_FOUND`) and may not exist yet (`ALREADY_EXISTS`);
 * a parent-context cycle is `INVALID_ARGUMENT`. If anything fails, nothing is written.
 */
export async function putLineage(ctx: EngineContext, subgraph: LineageSubgraphInput): Promise<void> {
  const g = parseInput(lineageSubgraphSchema, subgraph, "lineage subgraph");
  await ctx.storage.write(async (tx) => {
    for (const a of g.artifacts ?? []) {
      const key = refKey(a.ref);
      const [old] = await tx.getArtifactNodes([key]);
      await tx.putArtifactNode({ key, ref: a.ref, properties: { ...old?.properties, ...a.properties } });
    }
    const nodes: Array<
      [
        (ids: string[]) => Awaitable<Array<LineageExecution | LineageContext>>,
        (n: LineageExecution) => Awaitable<void>,
        typeof g.executions,
      ]
    > = [
      [(ids) => tx.getExecutions(ids), (n) => tx.putExecution(n), g.executions],
      [(ids) => tx.getContexts(ids), (n) => tx.putContext(n), g.contexts],
    ];
    for (const [get, put, list] of nodes) {
      for (const n of list ?? []) {
        const [old] = await get([n.id]);
        if (old && old.type !== n.type) {
          throw new MlstackError("CONFLICT", `lineage node ${n.id} has type ${old.type}, not ${n.type}`, {
            details: { id: n.id, type: old.type, requested: n.type },
          });
        }
        await put({
          id: n.id,
          type: n.type,
          name: n.name ?? old?.name ?? n.id,
          properties: { ...old?.properties, ...n.properties },
        });
      }
    }
    for (const e of g.events ?? []) {
      const event: LineageEvent = { artifact: refKey(e.artifact), execution: e.execution, type: e.type };
      await requireArtifact(tx, event.artifact);
      await requireExecution(tx, event.execution);
      if (await tx.hasEvent(event)) {
        throw new MlstackError(
          "ALREADY_EXISTS",
          `the ${event.type} event ${event.artifact} ↔ ${event.execution} exists`,
          {
            details: { ...event },
          },
        );
      }
      await tx.insertEvent(event);
    }
    const attributions = (g.attributions ?? []).map((a) => ({ artifact: refKey(a.artifact), context: a.context }));
    for (const a of attributions) {
      await requireArtifact(tx, a.artifact);
      await requireContext(tx, a.context);
    }
    for (const a of g.associations ?? []) {
      await requireExecution(tx, a.execution);
      await requireContext(tx, a.context);
    }
    await tx.putMemberships(attributions, g.associations ?? []);
    for (const { child, parent } of g.parentContexts ?? []) {
      await requireContext(tx, child);
      await requireContext(tx, parent);
      if (await closesCycle(tx, child, parent)) {
        throw new MlstackError("INVALID_ARGUMENT", `making ${parent} a parent of ${child} would close a cycle`, {
          details: { child, parent },
        });
      }
      await tx.putParentContext(child, parent);
    }
  });
}

type Direction = "upstream" | "downstream";

// Breadth-first over events, one storage query per hop.
async function walk(
  tx: MetadataTx,
  artifacts: Set<string>,
  executions: Set<string>,
  events: Map<string, LineageEvent>,
  direction: Direction,
  maxHops: number,
): Promise<void> {
  let frontierA = [...artifacts];
  let frontierE = [...executions];
  const seenA = new Set(frontierA);
  const seenE = new Set(frontierE);
  for (let hop = 0; hop < maxHops && frontierA.length + frontierE.length > 0; hop++) {
    const inA = new Set(frontierA);
    const inE = new Set(frontierE);
    const nextA: string[] = [];
    const nextE: string[] = [];
    for (const ev of await tx.eventsOf(frontierA, frontierE)) {
      // Upstream: an artifact's producer (output event), an execution's inputs. Downstream: the reverse.
      const fromArtifact = inA.has(ev.artifact) && (ev.type === "output") === (direction === "upstream");
      const fromExecution = inE.has(ev.execution) && (ev.type === "input") === (direction === "upstream");
      if (!fromArtifact && !fromExecution) continue;
      events.set(`${ev.type}\u0000${ev.artifact}\u0000${ev.execution}`, ev);
      if (fromArtifact && !seenE.has(ev.execution)) {
        seenE.add(ev.execution);
        nextE.push(ev.execution);
      }
      if (fromExecution && !seenA.has(ev.artifact)) {
        seenA.add(ev.artifact);
        nextA.push(ev.artifact);
      }
    }
    frontierA = nextA;
    frontierE = nextE;
  }
  for (const a of seenA) artifacts.add(a);
  for (const e of seenE) executions.add(e);
}

const byKey =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/**
 * The subgraph reachable from the start refs within `maxHops` edges: each ref names an artifact node
 * (its ref key) or an execution whose id is that key (a run: `run:<runId>`). `both` is the union of the
 * upstream and downstream walks. The contexts of the returned nodes come with it.
 */
export async function lineage(
  ctx: EngineContext,
  start: Ref | Ref[],
  options: LineageQueryOptions,
): Promise<LineageGraph> {
  const q = parseInput(
    lineageQuerySchema,
    { start: Array.isArray(start) ? start : [start], ...options },
    "lineage query",
  );
  const maxHops = q.maxHops ?? 20;
  return ctx.storage.read(async (tx) => {
    const startA = new Set<string>();
    const startE = new Set<string>();
    for (const ref of q.start) {
      const key = refKey(ref);
      const isArtifact = (await tx.getArtifactNodes([key])).length > 0;
      const isExecution = (await tx.getExecutions([key])).length > 0;
      if (!isArtifact && !isExecution) throw missing("node", key);
      if (isArtifact) startA.add(key);
      if (isExecution) startE.add(key);
    }
    const artifacts = new Set<string>();
    const executions = new Set<string>();
    const events = new Map<string, LineageEvent>();
    const directions: Direction[] = q.direction === "both" ? ["upstream", "downstream"] : [q.direction];
    for (const d of directions) {
      const a = new Set(startA);
      const e = new Set(startE);
      await walk(tx, a, e, events, d, maxHops);
      for (const k of a) artifacts.add(k);
      for (const k of e) executions.add(k);
    }
    const aKeys = [...artifacts];
    const eIds = [...executions];
    const { attributions, associations } = await tx.membershipsOf(aKeys, eIds);
    const contextIds = [...new Set([...attributions.map((a) => a.context), ...associations.map((a) => a.context)])];
    return {
      artifacts: (await tx.getArtifactNodes(aKeys)).sort(byKey((a: LineageArtifact) => a.key)),
      executions: (await tx.getExecutions(eIds)).sort(byKey((e: LineageExecution) => e.id)),
      events: [...events.values()].sort(byKey((e) => `${e.execution}\u0000${e.artifact}\u0000${e.type}`)),
      contexts: (await tx.getContexts(contextIds)).sort(byKey((c: LineageContext) => c.id)),
      attributions: attributions.sort(byKey((a) => `${a.context}\u0000${a.artifact}`)),
      associations: associations.sort(byKey((a) => `${a.context}\u0000${a.execution}`)),
    };
  });
}
