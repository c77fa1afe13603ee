import { isMlstackError, toMlstackError } from "@mlstack/core";
import type { MetadataStore } from "@mlstack/metadata";
import type { AccessDecision } from "../spec.js";
import type { StackCore } from "../stack-core.js";

/** The experiment access decisions are recorded in when the policy names none. */
export const DEFAULT_AUDIT_EXPERIMENT = "mlstack-audit";

/**
 * Records access decisions in the MetadataStore, one finished run per decision in the audit experiment,
 * tagged `principal`, `permission`, `resource`, `operation` and `decision` (`allow` or `deny`), so
 * `searchRuns` finds them. Writes are queued in decision order and never fail the checked call: a
 * failure is reported as the stack's `audit.error` event.
 */
export class AuditLog {
  readonly #core: StackCore;
  readonly #experiment: string;
  #experimentId: string | undefined;
  #chain: Promise<void> = Promise.resolve();

  constructor(core: StackCore, experiment: string) {
    this.#core = core;
    this.#experiment = experiment;
  }

  /** The audit experiment's name. */
  get experiment(): string {
    return this.#experiment;
  }

  /** Queues one decision. */
  record(decision: AccessDecision): void {
    this.#chain = this.#chain
      .then(() => this.#write(decision))
      .catch((error: unknown) => {
        this.#core.events.emit("audit.error", { decision, error: toMlstackError(error) });
      });
  }

  /** Resolves once every decision queued so far is written (or reported as failed). */
  async idle(): Promise<void> {
    let chain: Promise<void>;
    do {
      chain = this.#chain;
      await chain;
    } while (chain !== this.#chain);
  }

  async #write(decision: AccessDecision): Promise<void> {
    const store = this.#store();
    const experimentId = await this.#experimentOf(store);
    const run = await store.createRun({
      experimentId,
      name: `${decision.allowed ? "allow" : "deny"} ${decision.operation}`,
      startTime: decision.at,
      tags: {
        principal: decision.principal,
        permission: decision.permission,
        resource: decision.resource,
        operation: decision.operation,
        decision: decision.allowed ? "allow" : "deny",
      },
    });
    await store.endRun(run.runId, "FINISHED", { endTime: decision.at });
  }

  // The raw brick, not the wired or a guarded one: audit writes are neither lineage nor checked calls.
  #store(): MetadataStore {
    return this.#core.entry("metadata").brick;
  }

  async #experimentOf(store: MetadataStore): Promise<string> {
    if (this.#experimentId !== undefined) return this.#experimentId;
    let id: string;
    try {
      id = (await store.getExperimentByName(this.#experiment)).experimentId;
    } catch (error) {
      if (!isMlstackError(error, "NOT_FOUND")) throw error;
      id = (await store.createExperiment({ name: this.#experiment, tags: { "mlstack.audit": "true" } })).experimentId;
    }
    this.#experimentId = id;
    return id;
  }
}
