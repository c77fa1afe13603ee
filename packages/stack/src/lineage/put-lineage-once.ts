import { isMlstackError, type Ref, refKey } from "@mlstack/core";
import type { LineageProperties, MetadataStore } from "@mlstack/metadata";

/** One execution with its input and output artifacts, as the Stack records it. */
export interface ExecutionRecord {
  readonly id: string;
  readonly type: string;
  readonly name?: string;
  readonly properties?: LineageProperties;
  readonly inputs: readonly Ref[];
  readonly outputs: readonly Ref[];
  /** Properties of artifact nodes by ref key (merged over what is stored). */
  readonly artifactProperties?: ReadonlyMap<string, LineageProperties>;
}

/**
 * Writes an execution, its artifacts and its edges so that writing it again changes nothing: the
 * MetadataStore refuses an event that exists (`ALREADY_EXISTS`, and then writes nothing), so on that
 * answer the nodes are upserted and each edge is written on its own, skipping those already there.
 */
export async function putLineageOnce(metadata: MetadataStore, record: ExecutionRecord): Promise<void> {
  const artifacts = new Map<string, Ref>();
  for (const ref of [...record.inputs, ...record.outputs]) artifacts.set(refKey(ref), ref);
  const nodes = {
    artifacts: [...artifacts].map(([key, ref]) => ({
      ref,
      properties: { ...record.artifactProperties?.get(key) },
    })),
    executions: [
      {
        id: record.id,
        type: record.type,
        ...(record.name === undefined ? {} : { name: record.name }),
        properties: { ...record.properties },
      },
    ],
  };
  const events = [
    ...record.inputs.map((artifact) => ({ artifact, execution: record.id, type: "input" as const })),
    ...record.outputs.map((artifact) => ({ artifact, execution: record.id, type: "output" as const })),
  ];
  try {
    await metadata.putLineage({ ...nodes, events });
  } catch (error) {
    if (!isMlstackError(error, "ALREADY_EXISTS")) throw error;
    await metadata.putLineage(nodes);
    for (const event of events) {
      await metadata.putLineage({ events: [event] }).catch((e: unknown) => {
        if (!isMlstackError(e, "ALREADY_EXISTS")) throw e;
      });
    }
  }
}
