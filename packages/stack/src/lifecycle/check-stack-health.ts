import { parseInput } from "@mlstack/core";
import { z } from "zod";
import type { BrickHealth, HealthReport, SlotEntry } from "../spec.js";
import type { StackCore } from "../stack-core.js";

const STATUSES = new Set(["ok", "degraded", "down"]);
const timeoutSchema = z.number().int().positive().max(600_000);

/**
 * Probes every brick's `health()` at once, each under its own timeout (real timers, so a probe that
 * never answers is `down` after `timeoutMs`). A throwing probe is `down` with its message; a brick
 * without a probe is `ok` with a detail saying it has none. Overall: `down` if any brick is down, else
 * `degraded` if any is degraded, else `ok`. Rejects only a bad timeout (`INVALID_ARGUMENT`).
 */
export async function checkStackHealth(core: StackCore, timeoutMs: number): Promise<HealthReport> {
  parseInput(timeoutSchema, timeoutMs, "timeoutMs");
  const bricks = await Promise.all(core.entries().map((entry) => probe(entry, timeoutMs)));
  const status = bricks.some((b) => b.status === "down")
    ? "down"
    : bricks.some((b) => b.status === "degraded")
      ? "degraded"
      : "ok";
  return Object.freeze({ status, bricks: Object.freeze(bricks) });
}

async function probe(entry: SlotEntry, timeoutMs: number): Promise<BrickHealth> {
  const where = { slot: entry.slot, name: entry.name, path: entry.path };
  const started = performance.now();
  const latency = () => Math.round((performance.now() - started) * 1000) / 1000;
  const health = entry.brick.health;
  if (typeof health !== "function") {
    return Object.freeze({ ...where, status: "ok", detail: "no health probe (assumed ok)", latencyMs: 0 });
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const answer = await Promise.race([health.call(entry.brick), timeout]);
    if (answer === "timeout") {
      return Object.freeze({
        ...where,
        status: "down",
        detail: `timed out after ${timeoutMs} ms`,
        latencyMs: latency(),
      });
    }
    if (typeof answer !== "object" || answer === null || !STATUSES.has(answer.status)) {
      return Object.freeze({ ...where, status: "down", detail: "the probe answered no status", latencyMs: latency() });
    }
    return Object.freeze({
      ...where,
      status: answer.status,
      ...(answer.detail === undefined ? {} : { detail: answer.detail }),
      latencyMs: latency(),
    });
  } catch (e) {
    // Only the message, with URL credentials masked: a driver error's other fields may hold secrets.
    const detail = e instanceof Error ? scrub(e.message) : "the probe failed";
    return Object.freeze({ ...where, status: "down", detail, latencyMs: latency() });
  } finally {
    clearTimeout(timer);
  }
}

function scrub(message: string): string {
  const masked = message.replace(/(\/\/)[^/@\s:]+:[^/@\s]+@/g, "$1***@");
  return masked.length > 500 ? `${masked.slice(0, 500)}…` : masked;
}
