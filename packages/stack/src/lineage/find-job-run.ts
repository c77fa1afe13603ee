import { isMlstackError } from "@mlstack/core";
import type { MetadataStore, Run, RunFilter } from "@mlstack/metadata";
import { TRAINING_JOB_TAG } from "./record-training-job.js";

async function experimentIdOf(metadata: MetadataStore, name: string): Promise<string | undefined> {
  try {
    return (await metadata.getExperimentByName(name)).experimentId;
  } catch (error) {
    if (isMlstackError(error, "NOT_FOUND")) return undefined;
    throw error;
  }
}

async function allExperimentIds(metadata: MetadataStore): Promise<string[]> {
  const ids: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await metadata.searchExperiments({
      lifecycle: "all",
      pageSize: 1000,
      ...(pageToken ? { pageToken } : {}),
    });
    ids.push(...page.items.map((e) => e.experimentId));
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
  return ids;
}

async function search(metadata: MetadataStore, experimentIds: string[], filter: RunFilter): Promise<Run | undefined> {
  for (let i = 0; i < experimentIds.length; i += 1000) {
    const page = await metadata.searchRuns({
      experimentIds: experimentIds.slice(i, i + 1000),
      filter,
      lifecycle: "all",
      orderBy: [{ field: { type: "attribute", key: "startTime" }, direction: "asc" }],
      pageSize: 1,
    });
    if (page.items[0]) return page.items[0];
  }
  return undefined;
}

/**
 * The run that records a training job, found by its `mlstack.training_job` tag: first in the named
 * experiments, then (unless `onlyNamed`) in every experiment. Undefined when no run records it.
 */
export async function findJobRun(
  metadata: MetadataStore,
  jobId: string,
  experiments: readonly string[],
  options: { readonly onlyNamed?: boolean } = {},
): Promise<Run | undefined> {
  const filter: RunFilter = {
    kind: "compare",
    field: { type: "tag", key: TRAINING_JOB_TAG },
    op: "=",
    value: jobId,
  };
  const named: string[] = [];
  for (const name of experiments) {
    const id = await experimentIdOf(metadata, name);
    if (id !== undefined) named.push(id);
  }
  if (named.length > 0) {
    const run = await search(metadata, named, filter);
    if (run) return run;
  }
  if (options.onlyNamed) return undefined;
  const rest = (await allExperimentIds(metadata)).filter((id) => !named.includes(id));
  return rest.length === 0 ? undefined : search(metadata, rest, filter);
}
