import { inspect } from "node:util";
import { MlstackError } from "@mlstack/core";
import type { Principal, SlotEntry, SlotName, StackBrickMap } from "../spec.js";
import type { StackCore } from "../stack-core.js";
import {
  BRICK_FIELDS,
  BRICK_PERMISSIONS,
  EMITTER_ADMIN_METHODS,
  LISTENER_METHODS,
  type MethodAccess,
} from "./brick-permissions.js";
import { ALL_RESOURCES } from "./match-resource.js";

type AnyFunction = (...args: unknown[]) => unknown;

const OBJECT_METHODS: ReadonlySet<string> = new Set([
  "toString",
  "toLocaleString",
  "valueOf",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
]);

/**
 * A principal's view of a brick: every method call is checked against {@link BRICK_PERMISSIONS} before
 * the brick sees it (a promise-returning method rejects, a synchronous one throws `PERMISSION_DENIED`).
 * A method the table does not know is refused (fail closed). Listener methods and the interface's plain
 * fields pass through; the view is read-only and hides everything else (storage, internals).
 */
export function guardBrick<K extends SlotName>(
  core: StackCore,
  principal: Principal,
  entry: SlotEntry<K>,
  brick: StackBrickMap[K],
): StackBrickMap[K] {
  const table = BRICK_PERMISSIONS[entry.slot] as unknown as Readonly<Record<string, MethodAccess>>;
  const fields = BRICK_FIELDS[entry.slot];
  const target = brick as unknown as Record<PropertyKey, unknown>;
  const cache = new Map<PropertyKey, unknown>();
  const label = `${entry.path} brick as ${principal.id}`;

  const denyAll = (what: string): MlstackError =>
    new MlstackError(
      "PERMISSION_DENIED",
      `${what} on the ${entry.path} brick is not allowed through a principal's view`,
      {
        details: { principal: principal.id, operation: `${entry.path}.${what}` },
      },
    );

  const checked = (name: string, rule: MethodAccess, method: AnyFunction): AnyFunction => {
    const operation = `${entry.path}.${name}`;
    return (...args: unknown[]) => {
      try {
        core.access.checkAll(principal, rule.requirements(args), operation);
      } catch (error) {
        if (rule.sync) throw error;
        return Promise.reject(error);
      }
      const result = method.apply(brick, args);
      // Emitters return themselves for chaining: hand back the view, never the unchecked brick.
      return result === brick || result === entry.brick ? view : result;
    };
  };

  const refused =
    (name: string): AnyFunction =>
    () => {
      throw new MlstackError(
        "PERMISSION_DENIED",
        `${entry.path}.${name} is not in the access table, so a principal's view refuses it`,
        { details: { principal: principal.id, operation: `${entry.path}.${name}` } },
      );
    };

  const resolve = (property: PropertyKey): unknown => {
    if (property === Symbol.asyncDispose) {
      const method = target[property];
      return typeof method === "function"
        ? checked("stop", table.stop as MethodAccess, method as AnyFunction)
        : undefined;
    }
    if (typeof property !== "string") {
      const value = target[property];
      return typeof value === "function"
        ? refused(String(property))
        : property === Symbol.toStringTag
          ? value
          : undefined;
    }
    const value = target[property];
    if (Object.hasOwn(table, property)) {
      return typeof value === "function"
        ? checked(property, table[property] as MethodAccess, value as AnyFunction)
        : undefined;
    }
    if (LISTENER_METHODS.has(property) && typeof value === "function") {
      return checked(property, LISTENER_RULE, value as AnyFunction);
    }
    if (EMITTER_ADMIN_METHODS.has(property) && typeof value === "function") {
      return checked(property, adminRule(), value as AnyFunction);
    }
    if (fields.has(property)) {
      return property === "events" && typeof value === "object" && value !== null
        ? readOnlyEmitter(core, principal, `${entry.path}.events`, value as object)
        : value;
    }
    if (OBJECT_METHODS.has(property) && typeof value === "function") return (value as AnyFunction).bind(brick);
    if (property === "constructor") return undefined;
    return typeof value === "function" ? refused(property) : undefined;
  };

  const view: StackBrickMap[K] = new Proxy({ [inspect.custom]: () => `[${label}]` } as object, {
    get(_, property) {
      if (cache.has(property)) return cache.get(property);
      const value = resolve(property);
      if (typeof value === "function" || (typeof value === "object" && value !== null && property === "events")) {
        cache.set(property, value);
      }
      return value;
    },
    has(_, property) {
      return resolve(property) !== undefined;
    },
    set(_, property) {
      throw denyAll(`setting ${String(property)}`);
    },
    defineProperty(_, property) {
      throw denyAll(`defining ${String(property)}`);
    },
    deleteProperty(_, property) {
      throw denyAll(`deleting ${String(property)}`);
    },
    setPrototypeOf() {
      throw denyAll("setting the prototype");
    },
  }) as StackBrickMap[K];
  return view;
}

// Listening changes nothing in the brick: no permission, no decision.
const LISTENER_RULE: MethodAccess = { permission: "stack:admin", resource: "", sync: true, requirements: () => [] };

const adminRule = (): MethodAccess => ({
  permission: "stack:admin",
  resource: ALL_RESOURCES,
  sync: true,
  requirements: () => [{ permission: "stack:admin", resource: ALL_RESOURCES }],
});

/**
 * A principal's view of an emitter: listener methods pass (returning the view), `emit` and
 * `removeAllListeners` need `stack:admin` (a forged alert could start a retrain), anything else reads
 * as undefined. For a brick's `events` object, and for the stack's own `events` in a principal's view.
 */
export function readOnlyEmitter<E extends object>(core: StackCore, principal: Principal, path: string, emitter: E): E {
  const source = emitter as Record<PropertyKey, unknown>;
  const cache = new Map<PropertyKey, unknown>();
  const view = new Proxy({ [inspect.custom]: () => `[${path} as ${principal.id}]` } as object, {
    get(_, property) {
      if (cache.has(property)) return cache.get(property);
      if (typeof property !== "string") return undefined;
      const value = source[property];
      if (typeof value !== "function") return undefined;
      const method = value as AnyFunction;
      let wrapped: AnyFunction | undefined;
      if (LISTENER_METHODS.has(property)) {
        wrapped = (...args: unknown[]) => {
          const result = method.apply(emitter, args);
          return result === emitter ? view : result;
        };
      } else if (EMITTER_ADMIN_METHODS.has(property)) {
        wrapped = (...args: unknown[]) => {
          core.access.check(principal, "stack:admin", ALL_RESOURCES, `${path}.${property}`);
          return method.apply(emitter, args);
        };
      }
      if (wrapped !== undefined) cache.set(property, wrapped);
      return wrapped;
    },
    set(_, property) {
      throw new MlstackError(
        "PERMISSION_DENIED",
        `setting ${String(property)} on ${path} is not allowed through a principal's view`,
      );
    },
  }) as E;
  return view;
}
