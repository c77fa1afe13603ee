import type { TrainingJobRef, TypedEmitter } from "@mlstack/core";
import { parseInput, type Ref, refSchema } from "@mlstack/core";
import type { DataEngine } from "@mlstack/data";
import type { FeatureStore } from "@mlstack/features";
import type { LineageGraph, MetadataStore, ModelVersion, Run } from "@mlstack/metadata";
import type { Monitor } from "@mlstack/monitor";
import type { DeploymentStatus, ServingEngine } from "@mlstack/serving";
import type { JobSpecInput, SweepSpecInput, TrainingEngine } from "@mlstack/training";
import { BRICK_PERMISSIONS } from "./access/brick-permissions.js";
import { guardBrick, readOnlyEmitter } from "./access/guard-brick.js";
import { stackCoverage } from "./coverage/stack-coverage.js";
import { checkStackHealth } from "./lifecycle/check-stack-health.js";
import { startStack, stopStack } from "./lifecycle/start-stop.js";
import { explainLineage } from "./lineage/explain-lineage.js";
import { startDriftLoop } from "./loop/on-drift.js";
import { redactSecrets } from "./secret-ref.js";
import type {
  BuildTrainingSetRequest,
  CoverageReport,
  DriftLoop,
  DriftPolicy,
  Explanation,
  HealthReport,
  Permission,
  Principal,
  RegisterModelInput,
  SlotEntry,
  SlotName,
  Stack,
  StackBrickMap,
  StackDeployInput,
  StackDescription,
  StackEvents,
  StackLineageOptions,
  StackSweepResult,
  StackTrainingSet,
  TrainedModel,
  ValidationReport,
} from "./spec.js";
import type { StackCore } from "./stack-core.js";
import { validateStack } from "./validate/validate-stack.js";
import { buildTrainingSet } from "./workflows/build-training-set.js";
import { deployModel } from "./workflows/deploy-model.js";
import { registerModel } from "./workflows/register-model.js";
import { runOf, trainJob, trainSweep } from "./workflows/train.js";

/**
 * A view of a stack: the owner's (unchecked) or a principal's (every call checked). Views of one
 * stack share its core, so lineage and lifecycle are one.
 */
export class ComposedStack implements Stack {
  readonly #core: StackCore;
  readonly principal: Principal | undefined;
  readonly #guarded = new Map<string, unknown>();
  readonly #events: TypedEmitter<StackEvents>;

  constructor(core: StackCore, principal?: Principal) {
    this.#core = core;
    this.principal = principal;
    // A principal may listen, but not emit (a forged event could start a retrain) or remove listeners.
    this.#events =
      principal === undefined ? core.events : readOnlyEmitter(core, principal, "stack.events", core.events);
  }

  get name(): string {
    return this.#core.name;
  }

  get events(): TypedEmitter<StackEvents> {
    return this.#events;
  }

  get data(): DataEngine {
    return this.brick("data");
  }
  get features(): FeatureStore {
    return this.brick("features");
  }
  get training(): TrainingEngine {
    return this.brick("training");
  }
  get serving(): ServingEngine {
    return this.brick("serving");
  }
  get metadata(): MetadataStore {
    return this.brick("metadata");
  }
  get monitor(): Monitor {
    return this.brick("monitor");
  }

  brick<K extends SlotName>(slot: K, name?: string): StackBrickMap[K] {
    const wired = this.#core.wired(slot, name);
    const principal = this.principal;
    if (principal === undefined) return wired;
    const entry = this.#core.entry(slot, name);
    let guarded = this.#guarded.get(entry.path) as StackBrickMap[K] | undefined;
    if (guarded === undefined) {
      guarded = guardBrick(this.#core, principal, entry, wired);
      this.#guarded.set(entry.path, guarded);
    }
    return guarded;
  }

  has(slot: SlotName, name?: string): boolean {
    return this.#core.find(slot, name) !== undefined;
  }

  entries(): readonly SlotEntry[] {
    const entries = this.#core.entries();
    if (this.principal === undefined) return entries;
    // A principal's view never hands out a raw brick.
    return entries.map((e) => ({ ...e, brick: this.brick(e.slot, e.name) }) as SlotEntry);
  }

  validate(): ValidationReport {
    return validateStack(this.#core);
  }

  async checkHealth(options: { readonly timeoutMs?: number } = {}): Promise<HealthReport> {
    this.#check("stack:admin", "*", "stack.checkHealth");
    return checkStackHealth(this.#core, options.timeoutMs ?? this.#core.options.healthTimeoutMs ?? 2000);
  }

  async start(): Promise<void> {
    this.#check("stack:admin", "*", "stack.start");
    await startStack(this.#core);
  }

  async stop(): Promise<void> {
    this.#check("stack:admin", "*", "stack.stop");
    await stopStack(this.#core);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  async flush(): Promise<void> {
    await this.#core.lineage?.idle();
    await this.#core.access.idle();
  }

  async lineage(ref: Ref, options: StackLineageOptions = {}): Promise<LineageGraph> {
    const start = parseInput(refSchema, ref, "ref");
    this.#check("lineage:read", "*", "stack.lineage");
    await this.flush();
    return this.#core.wired("metadata").lineage(start, {
      direction: options.direction ?? "upstream",
      ...(options.maxHops === undefined ? {} : { maxHops: options.maxHops }),
    });
  }

  async explain(ref: Ref, options: StackLineageOptions = {}): Promise<Explanation> {
    const graph = await this.lineage(ref, options);
    return explainLineage(parseInput(refSchema, ref, "ref"), graph, options.direction ?? "upstream");
  }

  async buildTrainingSet(request: BuildTrainingSetRequest): Promise<StackTrainingSet> {
    this.#checkRule(BRICK_PERMISSIONS.features.getHistoricalFeatures.requirements([request]), "stack.buildTrainingSet");
    return buildTrainingSet(this.#core, request);
  }

  async train(spec: JobSpecInput): Promise<TrainedModel> {
    this.#checkRule(BRICK_PERMISSIONS.training.submit.requirements([spec]), "stack.train");
    return trainJob(this.#core, spec);
  }

  async sweep(spec: SweepSpecInput, options: { readonly signal?: AbortSignal } = {}): Promise<StackSweepResult> {
    this.#checkRule(BRICK_PERMISSIONS.training.sweep.requirements([spec]), "stack.sweep");
    return trainSweep(this.#core, spec, options);
  }

  async runOf(job: TrainingJobRef): Promise<Run> {
    this.#check("metadata:read", "*", "stack.runOf");
    return runOf(this.#core, job);
  }

  async registerModel(input: RegisterModelInput): Promise<ModelVersion> {
    this.#check("models:register", input.model ?? "*", "stack.registerModel");
    if (input.alias !== undefined) this.#check("models:promote", input.model ?? "*", "stack.registerModel");
    return registerModel(this.#core, input);
  }

  async deploy(input: StackDeployInput): Promise<DeploymentStatus> {
    this.#check("serving:deploy", input.name ?? input.model?.model ?? "*", "stack.deploy");
    this.#check("models:read", input.model?.model ?? "*", "stack.deploy");
    if (input.monitor !== undefined)
      this.#check("monitor:admin", input.name ?? input.model?.model ?? "*", "stack.deploy");
    return deployModel(this.#core, input);
  }

  onDrift(policy: DriftPolicy): DriftLoop {
    for (const permission of ["monitor:read", "training:submit", "models:register", "serving:deploy"] as const) {
      this.#check(permission, policy.deployment ?? "*", "stack.onDrift");
    }
    return startDriftLoop(this.#core, policy);
  }

  coverage(): CoverageReport {
    return stackCoverage(this.#core);
  }

  as(principal: Principal): Stack {
    // Only an administrator's view may speak for someone else.
    this.#check("stack:admin", "*", "stack.as");
    return new ComposedStack(this.#core, this.#core.access.parsePrincipal(principal));
  }

  toJSON(): StackDescription {
    const slots: Record<string, StackDescription["slots"][string][number][]> = {};
    for (const e of this.#core.entries()) {
      (slots[e.slot] ??= []).push({
        name: e.name,
        implementation: e.brick.name,
        specificationVersion: e.brick.specificationVersion,
        default: e.isDefault,
      });
    }
    return { name: this.#core.name, slots, config: redactSecrets(this.#core.options.config ?? {}) };
  }

  #checkRule(requirements: Parameters<StackCore["access"]["checkAll"]>[1], operation: string): void {
    if (this.principal !== undefined) this.#core.access.checkAll(this.principal, requirements, operation);
  }

  // The principal's view checks; the owner's does not.
  #check(permission: Permission, resource: string, operation: string): void {
    if (this.principal !== undefined) this.#core.access.check(this.principal, permission, resource, operation);
  }
}
