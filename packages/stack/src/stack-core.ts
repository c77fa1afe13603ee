import {
  BRICK_KINDS,
  type Clock,
  createUuidV7Generator,
  type IdGenerator,
  isBrick,
  MlstackError,
  SystemClock,
  TypedEmitter,
} from "@mlstack/core";
import { AccessControl } from "./access/access-control.js";
import { forwardProgress } from "./forward-progress.js";
import { LineageRecorder } from "./lineage/lineage-recorder.js";
import { wireBrick } from "./lineage/wire-brick.js";
import {
  DEFAULT_BRICK_NAME,
  type SlotBricks,
  type SlotEntry,
  type SlotName,
  type StackBrickMap,
  type StackBricks,
  type StackEvents,
  type StackOptions,
} from "./spec.js";
import { parseStackOptions } from "./stack-options.js";

/** The normalised slots of a stack. */
export type StackSlots = { readonly [K in SlotName]?: SlotBricks<StackBrickMap[K]> };

/**
 * What every view of one stack shares: its bricks, options, events, lineage recorder and access
 * control. The owner's view and each principal's view are thin objects over one core.
 */
export interface StackCore {
  readonly name: string;
  readonly slots: StackSlots;
  readonly options: StackOptions;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly events: TypedEmitter<StackEvents>;
  /** Undefined when lineage is off or the stack has no MetadataStore. */
  readonly lineage: LineageRecorder | undefined;
  readonly access: AccessControl;
  /** Every brick, slot by slot in {@link BRICK_KINDS} order, the default first within a slot. */
  entries(): SlotEntry[];
  /** A brick's entry; `FAILED_PRECONDITION` for an empty slot, `NOT_FOUND` for an unknown name. */
  entry<K extends SlotName>(slot: K, name?: string): SlotEntry<K>;
  /** A brick's entry, or undefined. */
  find<K extends SlotName>(slot: K, name?: string): SlotEntry<K> | undefined;
  /** The brick with lineage wiring (cached): what the stack's own workflows call. */
  wired<K extends SlotName>(slot: K, name?: string): StackBrickMap[K];
  /** Whether `start()` has completed and `stop()` has not run since. */
  started: boolean;
}

/** Builds the shared core of a stack from its bricks and options (validated; bad input changes nothing). */
export function createStackCore(bricks: StackBricks, options: StackOptions = {}): StackCore {
  const parsed = parseStackOptions(options);
  const slots = normalizeSlots(bricks);
  const clock = parsed.clock ?? new SystemClock();
  const ids = parsed.ids ?? createUuidV7Generator({ clock });
  const wiredCache = new Map<string, unknown>();
  const core: StackCore & { lineage: LineageRecorder | undefined; access: AccessControl } = {
    name: parsed.name ?? "stack",
    slots,
    options: parsed,
    clock,
    ids,
    events: new TypedEmitter<StackEvents>(),
    lineage: undefined,
    access: undefined as unknown as AccessControl,
    started: false,
    entries() {
      const all: SlotEntry[] = [];
      for (const slot of BRICK_KINDS) {
        const s = slots[slot];
        if (!s) continue;
        const names = [s.default, ...Object.keys(s.bricks).filter((n) => n !== s.default)];
        for (const name of names) all.push(makeEntry(slot, name, s));
      }
      return all;
    },
    entry<K extends SlotName>(slot: K, name?: string): SlotEntry<K> {
      const s = slots[slot] as SlotBricks<StackBrickMap[K]> | undefined;
      if (!s) {
        throw new MlstackError("FAILED_PRECONDITION", `the stack has no ${slot} brick`, {
          details: { slot },
        });
      }
      const key = name ?? s.default;
      if (!Object.hasOwn(s.bricks, key)) {
        throw new MlstackError("NOT_FOUND", `the stack has no ${slot} brick named "${key}"`, {
          details: { slot, name: key, known: Object.keys(s.bricks) },
        });
      }
      return makeEntry(slot, key, s);
    },
    find<K extends SlotName>(slot: K, name?: string): SlotEntry<K> | undefined {
      const s = slots[slot] as SlotBricks<StackBrickMap[K]> | undefined;
      const key = name ?? s?.default;
      if (!s || key === undefined || !Object.hasOwn(s.bricks, key)) return undefined;
      return makeEntry(slot, key, s);
    },
    wired<K extends SlotName>(slot: K, name?: string): StackBrickMap[K] {
      const entry = core.entry(slot, name);
      let brick = wiredCache.get(entry.path) as StackBrickMap[K] | undefined;
      if (brick === undefined) {
        brick = wireBrick(core, entry);
        wiredCache.set(entry.path, brick);
      }
      return brick;
    },
  };
  core.access = new AccessControl(core);
  forwardProgress(core);
  const lineageOn = parsed.lineage?.enabled ?? true;
  if (lineageOn && slots.metadata) core.lineage = new LineageRecorder(core);
  return core;
}

function makeEntry<K extends SlotName>(slot: K, name: string, s: SlotBricks<StackBrickMap[K]>): SlotEntry<K> {
  const single = Object.keys(s.bricks).length === 1 && name === DEFAULT_BRICK_NAME;
  return {
    slot,
    name,
    brick: s.bricks[name] as StackBrickMap[K],
    isDefault: name === s.default,
    path: single ? slot : `${slot}.${name}`,
  };
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Checks every slot at run time (a JS caller gets no compile error) and gives each brick a name. */
function normalizeSlots(bricks: StackBricks): StackSlots {
  if (typeof bricks !== "object" || bricks === null) {
    throw new MlstackError("INVALID_ARGUMENT", "defineStack takes an object of bricks by slot");
  }
  const slots: Record<string, SlotBricks<unknown>> = {};
  const problems: string[] = [];
  for (const [slot, value] of Object.entries(bricks)) {
    if (value === undefined) continue;
    if (!(BRICK_KINDS as readonly string[]).includes(slot)) {
      problems.push(`"${slot}" is not a slot (slots: ${BRICK_KINDS.join(", ")})`);
      continue;
    }
    const named: Record<string, unknown> = isBrick(value)
      ? { [DEFAULT_BRICK_NAME]: value }
      : isNamedBricks(value)
        ? value.bricks
        : {};
    const defaultName = isBrick(value) ? DEFAULT_BRICK_NAME : isNamedBricks(value) ? value.default : undefined;
    if (defaultName === undefined) {
      problems.push(`slot "${slot}" holds neither a brick nor { bricks, default }`);
      continue;
    }
    if (Object.keys(named).length === 0) problems.push(`slot "${slot}" names no bricks`);
    if (!Object.hasOwn(named, defaultName)) {
      problems.push(`slot "${slot}": the default "${defaultName}" is not one of its bricks`);
    }
    for (const [name, brick] of Object.entries(named)) {
      if (!NAME.test(name)) problems.push(`slot "${slot}": "${name}" is not a valid brick name`);
      if (!isBrick(brick)) problems.push(`${slot}.${name} is not a brick`);
      else if (brick.kind !== slot) {
        problems.push(`${slot}.${name} is a ${brick.kind} brick ("${brick.name}"), not a ${slot} brick`);
      }
    }
    slots[slot] = Object.freeze({ default: defaultName, bricks: Object.freeze({ ...named }) });
  }
  if (problems.length > 0) {
    throw new MlstackError("INVALID_ARGUMENT", `invalid stack: ${problems.join("; ")}`, { details: { problems } });
  }
  return Object.freeze(slots) as StackSlots;
}

function isNamedBricks(value: unknown): value is { bricks: Record<string, unknown>; default: string } {
  if (typeof value !== "object" || value === null) return false;
  const v = value as { bricks?: unknown; default?: unknown };
  return typeof v.bricks === "object" && v.bricks !== null && typeof v.default === "string";
}
