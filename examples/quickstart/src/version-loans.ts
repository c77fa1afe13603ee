// Data → features: versions a batch of loans in the DataEngine, points the feature view at that commit,
// ingests the profiles read back from it and builds the point-in-time training set of its applications
// through the stack, which records its lineage and snapshots it for the trainer.
import type { DataCommitRef } from "@mlstack/core";
import type { Stack, StackTrainingSet } from "@mlstack/stack";
import { FEATURES, type Loan, loanSchema } from "./data-set.js";
import { FEATURE_SCHEMA, LABEL, REPO, VIEW } from "./model-contract.js";

/** A versioned batch of loans and the training set built from it. */
export interface VersionedLoans {
  /** The data commit holding the applications. */
  readonly commit: DataCommitRef;
  readonly trainingSet: StackTrainingSet;
}

/** Commits `loans` as the table `path` of {@link REPO} and builds their training set (label {@link LABEL}). */
export async function versionLoans(
  stack: Stack,
  loans: readonly Loan[],
  path: string,
  message: string,
): Promise<VersionedLoans> {
  const { data, features } = stack;
  const { commit } = await data.commitTable(REPO, "main", path, loanSchema, loans, { message });
  await features.apply({
    entities: [{ name: "applicant", joinKeys: [{ name: "applicant_id", type: "int64" }] }],
    featureViews: [{ name: VIEW, entities: ["applicant"], schema: FEATURE_SCHEMA, source: { dataRef: commit.ref } }],
  });
  // Ingest what the data commit holds (read back and validated), not the generator's copy.
  const stored: Loan[] = [];
  for await (const loan of data.readTable(REPO, commit.id, path, loanSchema)) stored.push(loan);
  await features.ingest(
    VIEW,
    stored.map(({ applied_at: _a, defaulted: _d, profile_time, ...rest }) => ({
      ...rest,
      event_timestamp: profile_time,
    })),
  );
  const trainingSet = await stack.buildTrainingSet({
    entityRows: stored.map((l) => ({
      applicant_id: l.applicant_id,
      event_timestamp: l.applied_at,
      [LABEL]: l.defaulted,
    })),
    features: FEATURES.map((f) => `${VIEW}:${f}`),
  });
  return { commit: commit.ref, trainingSet };
}
