import type { Finding } from "../spec.js";
import type { StackCore } from "../stack-core.js";
import { SLOT_INTERFACES, type SlotRequirement } from "./slot-requirement.js";

/** The findings of one requirement: an empty slot, an unknown brick name, or missing capabilities. */
export function checkSlotRequirement(core: StackCore, req: SlotRequirement): Finding[] {
  if (!Object.hasOwn(SLOT_INTERFACES, req.slot)) {
    return [
      {
        code: "MISSING_SLOT",
        severity: "error",
        path: req.slot,
        message: `${req.by} requires slot "${req.slot}", which no stack has`,
        hint: `the slots are ${Object.keys(SLOT_INTERFACES).join(", ")}: fix the brick's requires`,
      },
    ];
  }
  const slot = core.slots[req.slot];
  const caps = req.capabilities ?? [];
  const withCaps = caps.length > 0 ? ` whose capabilities include ${caps.map((c) => `${c}: true`).join(", ")}` : "";
  const or = req.alternative === undefined ? "" : `, or ${req.alternative}`;
  if (slot === undefined) {
    if (req.missing === undefined) return [];
    return [
      {
        code: "MISSING_SLOT",
        severity: req.missing,
        path: req.slot,
        message: `${req.by} needs a ${req.slot} brick, but the slot is empty: ${req.reason}`,
        hint: `fill the ${req.slot} slot with ${SLOT_INTERFACES[req.slot]}${withCaps}${or}`,
      },
    ];
  }
  if (req.brick !== undefined && !Object.hasOwn(slot.bricks, req.brick)) {
    // A capability-only row leaves the unknown name to the row that needs the brick itself.
    if (req.missing === undefined) return [];
    const known = Object.keys(slot.bricks);
    return [
      {
        code: "UNKNOWN_BRICK",
        severity: "error",
        path: req.at ?? req.slot,
        message: `${req.by} names ${req.slot} brick "${req.brick}", but the ${req.slot} slot holds ${known.map((n) => `"${n}"`).join(", ")}`,
        hint: `name one of ${known.map((n) => `"${n}"`).join(", ")}, or add a brick named "${req.brick}" to the ${req.slot} slot`,
      },
    ];
  }
  const entry = core.entry(req.slot, req.brick);
  const lacking = caps.filter((c) => entry.brick.capabilities[c] !== true);
  if (lacking.length === 0) return [];
  const list = lacking.map((c) => `"${c}"`).join(", ");
  return [
    {
      code: "MISSING_CAPABILITY",
      severity: req.lacking,
      path: entry.path,
      message: `${req.by} needs ${req.slot} brick "${entry.brick.name}" to support ${list}, which it does not: ${req.reason}`,
      hint: `use a ${req.slot} brick${withCaps} in ${entry.path}${or}`,
    },
  ];
}
