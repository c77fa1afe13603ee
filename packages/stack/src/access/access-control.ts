import { MlstackError, parseInput } from "@mlstack/core";
import { z } from "zod";
import type { AccessDecision, AccessPolicy, Permission, Principal } from "../spec.js";
import type { StackCore } from "../stack-core.js";
import { AuditLog, DEFAULT_AUDIT_EXPERIMENT } from "./audit.js";
import type { AccessRequirement } from "./brick-permissions.js";
import { compileResourcePattern } from "./match-resource.js";

const principalSchema = z.object({
  id: z.string().min(1).max(256),
  roles: z.array(z.string().min(1).max(128)).max(64),
});

/** One grant of a role, its resource pattern compiled. */
interface CompiledGrant {
  readonly permission: Permission;
  readonly matches: (resource: string) => boolean;
}

/**
 * The access policy of one stack: who may do what on which resource. Deny by default: a call is
 * allowed only when a role of the principal grants its permission on a pattern matching its resource.
 * Every decision is emitted as the stack's `access` event and, when the policy says so, audited in
 * the MetadataStore.
 */
export class AccessControl {
  readonly #core: StackCore;
  readonly #policy: AccessPolicy | undefined;
  readonly #roles = new Map<string, readonly CompiledGrant[]>();
  readonly #audit: AuditLog | undefined;

  /** Compiles the policy's grants; a malformed pattern, or auditing without a MetadataStore, is `INVALID_ARGUMENT`. */
  constructor(core: StackCore) {
    this.#core = core;
    this.#policy = core.options.policy;
    for (const [role, grants] of Object.entries(this.#policy?.roles ?? {})) {
      this.#roles.set(
        role,
        grants.map((grant) =>
          typeof grant === "string"
            ? { permission: grant, matches: () => true }
            : { permission: grant.permission, matches: compileResourcePattern(grant.resource) },
        ),
      );
    }
    const audit = this.#policy?.audit;
    if (audit !== undefined && audit !== false) {
      if (core.slots.metadata === undefined) {
        throw new MlstackError(
          "INVALID_ARGUMENT",
          "policy.audit records decisions in the MetadataStore: the stack has no metadata brick",
          {
            details: { path: "policy.audit" },
          },
        );
      }
      this.#audit = new AuditLog(core, (audit === true ? undefined : audit.experiment) ?? DEFAULT_AUDIT_EXPERIMENT);
    }
  }

  /** The experiment audited decisions go to, or undefined when auditing is off. */
  get auditExperiment(): string | undefined {
    return this.#audit?.experiment;
  }

  /**
   * Validates a principal for `stack.as()`: `FAILED_PRECONDITION` when the stack has no policy,
   * `INVALID_ARGUMENT` for a malformed principal or a role the policy does not define. Returns a frozen copy.
   */
  parsePrincipal(principal: Principal): Principal {
    if (this.#policy === undefined) {
      throw new MlstackError(
        "FAILED_PRECONDITION",
        "the stack has no access policy: give defineStack options.policy (roles and their grants) before calling as()",
      );
    }
    const parsed = parseInput(principalSchema, principal, "principal");
    const unknown = parsed.roles.filter((role) => !this.#roles.has(role));
    if (unknown.length > 0) {
      throw new MlstackError(
        "INVALID_ARGUMENT",
        `principal "${parsed.id}" has roles the policy does not define: ${unknown.join(", ")}`,
        { details: { principal: parsed.id, roles: unknown, known: [...this.#roles.keys()] } },
      );
    }
    return Object.freeze({ id: parsed.id, roles: Object.freeze([...parsed.roles]) });
  }

  /** Whether a role of the principal grants the permission on the resource (no event, no audit). */
  allows(principal: Principal, permission: Permission, resource: string): boolean {
    for (const role of principal.roles) {
      for (const grant of this.#roles.get(role) ?? []) {
        if (grant.permission === permission && grant.matches(resource)) return true;
      }
    }
    return false;
  }

  /**
   * Checks one call, synchronously and before it has any effect: emits the decision as the `access`
   * event, queues it for audit, and on deny throws `PERMISSION_DENIED` naming the principal, the missing
   * permission, the resource and the operation (never the call's argument values).
   */
  check(principal: Principal, permission: Permission, resource: string, operation: string): void {
    const decision: AccessDecision = {
      principal: principal.id,
      permission,
      resource,
      operation,
      allowed: this.allows(principal, permission, resource),
      at: this.#core.clock.now(),
    };
    this.#audit?.record(decision);
    this.#core.events.emit("access", decision);
    if (!decision.allowed) {
      throw new MlstackError(
        "PERMISSION_DENIED",
        `principal "${principal.id}" lacks ${permission} on "${resource}" for ${operation}`,
        { details: { principal: principal.id, permission, resource, operation } },
      );
    }
  }

  /**
   * Checks every requirement of one call in order (as {@link AccessControl.check}); the first one
   * missing throws. With the table's rules, e.g. `BRICK_PERMISSIONS.features.getHistoricalFeatures.requirements([request])`,
   * a workflow checks each resource it touches.
   */
  checkAll(principal: Principal, requirements: readonly AccessRequirement[], operation: string): void {
    for (const r of requirements) this.check(principal, r.permission, r.resource, operation);
  }

  /** Resolves once every decision made so far is audited. */
  async idle(): Promise<void> {
    await this.#audit?.idle();
  }
}
