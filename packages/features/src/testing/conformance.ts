import type { Clock, ErrorCode, ProgressEvent } from "@mlstack/core";
import { isMlstackError, ManualClock } from "@mlstack/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_FEATURE_STORE_CAPABILITIES } from "../engine/feature-store-engine.js";
import type { Definitions, FeatureStore, FeatureStoreCapabilities, Row } from "../spec.js";
import { type OracleQuery, type OracleRecord, oraclePointInTime } from "./oracle.js";

/** Options of {@link featureStoreConformance}. */
export interface FeatureStoreConformanceOptions {
  /** Shown in the test names. */
  readonly name: string;
  /** A fresh, isolated, empty store that takes its time from `clock`. */
  readonly create: (options: { clock: Clock }) => FeatureStore | Promise<FeatureStore>;
  /** The capabilities the implementation declares; default all of them. Groups are gated on them. */
  readonly capabilities?: FeatureStoreCapabilities;
  /** Runs of the property test; default 40. */
  readonly propertyRuns?: number;
}

const HOUR = 3_600_000;

/** The definitions most tests use: drivers with a 2-hour-ttl stats view, and a customer view. */
export const CONFORMANCE_DEFINITIONS: Definitions = {
  entities: [
    { name: "driver", joinKeys: [{ name: "driver_id", type: "int64" }] },
    { name: "customer", joinKeys: [{ name: "customer_id", type: "string" }] },
  ],
  featureViews: [
    {
      name: "driver_stats",
      entities: ["driver"],
      schema: {
        fields: [
          { name: "conv_rate", type: "float64", nullable: true },
          { name: "trips", type: "int32" },
        ],
      },
      ttl: 2 * HOUR,
    },
    {
      name: "customer_profile",
      entities: ["customer"],
      schema: {
        fields: [
          { name: "tier", type: "string" },
          { name: "trips", type: "int32" },
        ],
      },
    },
  ],
  featureServices: [{ name: "ranker", features: ["driver_stats:conv_rate", "customer_profile"] }],
};

async function expectCode(promise: Promise<unknown>, code: ErrorCode, mentions?: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(isMlstackError(error), `expected an MlstackError, got ${String(error)}`).toBe(true);
    expect((error as { code: string }).code, (error as Error).message).toBe(code);
    if (mentions !== undefined) expect((error as Error).message).toContain(mentions);
    return;
  }
  expect.fail(`expected ${code}, but the call succeeded`);
}

/**
 * The FeatureStore conformance suite: every implementation, whatever its storage, must pass it.
 * It checks behaviour through the public interface only, gated on the declared capabilities.
 */
export function featureStoreConformance(options: FeatureStoreConformanceOptions): void {
  const caps = options.capabilities ?? DEFAULT_FEATURE_STORE_CAPABILITIES;
  const fresh = async (start = 0) => {
    const clock = new ManualClock(start);
    const store = await options.create({ clock });
    return { clock, store };
  };
  const withDefinitions = async (start = 0) => {
    const ctx = await fresh(start);
    await ctx.store.apply(CONFORMANCE_DEFINITIONS);
    return ctx;
  };

  describe(`FeatureStore conformance: ${options.name}`, () => {
    describe("brick contract", () => {
      it("declares its kind, version and frozen capabilities", async () => {
        const { store } = await fresh();
        expect(store.kind).toBe("features");
        expect(store.specificationVersion).toBe("v1");
        expect(Object.isFrozen(store.capabilities)).toBe(true);
        expect({ ...store.capabilities }).toEqual({ ...caps });
        expect((await store.health()).status).toBe("ok");
        await store.stop();
      });

      it("refuses calls after stop, and stop is idempotent", async () => {
        const { store } = await fresh();
        await store.stop();
        await store.stop();
        expect((await store.health()).status).toBe("down");
        await expectCode(store.listDefinitions(), "FAILED_PRECONDITION");
      });
    });

    describe("registry", () => {
      it("applies definitions idempotently and lists them with defaults", async () => {
        const { store } = await fresh();
        const first = await store.apply(CONFORMANCE_DEFINITIONS);
        expect(first.changes.every((c) => c.action === "create")).toBe(true);
        const again = await store.apply(CONFORMANCE_DEFINITIONS);
        expect(again.unchanged).toBe(true);
        const snapshot = await store.listDefinitions();
        const view = snapshot.featureViews.find((v) => v.name === "customer_profile");
        expect(view).toMatchObject({
          ttl: 0,
          online: true,
          stalePolicy: "flag",
          source: { eventTimestampField: "event_timestamp" },
        });
        expect(snapshot.featureServices.map((s) => s.name)).toEqual(["ranker"]);
      });

      it("plans without changing anything", async () => {
        const { store } = await withDefinitions();
        const plan = await store.plan({
          featureViews: [{ ...(CONFORMANCE_DEFINITIONS.featureViews?.[0] as object), ttl: HOUR } as never],
          remove: [{ kind: "featureService", name: "ranker" }],
        });
        expect(plan.changes).toEqual([
          expect.objectContaining({ kind: "featureView", name: "driver_stats", action: "update" }),
          { kind: "featureService", name: "ranker", action: "remove" },
        ]);
        const snapshot = await store.listDefinitions();
        expect(snapshot.featureViews.find((v) => v.name === "driver_stats")?.ttl).toBe(2 * HOUR);
        expect(snapshot.featureServices).toHaveLength(1);
      });

      it("refuses to change a feature's type in place (CONFLICT) and leaves the registry as it was", async () => {
        const { store } = await withDefinitions();
        await expectCode(
          store.apply({
            featureViews: [
              {
                name: "driver_stats",
                entities: ["driver"],
                schema: {
                  fields: [
                    { name: "conv_rate", type: "string", nullable: true },
                    { name: "trips", type: "int32" },
                  ],
                },
                ttl: 2 * HOUR,
              },
            ],
          }),
          "CONFLICT",
          "conv_rate",
        );
        const view = (await store.listDefinitions()).featureViews.find((v) => v.name === "driver_stats");
        expect(view?.schema.fields[0]?.type).toBe("float64");
      });

      it("refuses to remove a view a service uses (FAILED_PRECONDITION), allows it once the service is gone", async () => {
        const { store } = await withDefinitions();
        await expectCode(
          store.apply({ remove: [{ kind: "featureView", name: "customer_profile" }] }),
          "FAILED_PRECONDITION",
        );
        const plan = await store.apply({
          remove: [
            { kind: "featureService", name: "ranker" },
            { kind: "featureView", name: "customer_profile" },
          ],
        });
        expect(plan.changes.map((c) => c.action)).toEqual(["remove", "remove"]);
        expect((await store.listDefinitions()).featureViews.map((v) => v.name)).toEqual(["driver_stats"]);
      });

      it("names unknown references: entity, view, feature (NOT_FOUND) and bad definitions (INVALID_ARGUMENT)", async () => {
        const { store } = await withDefinitions();
        await expectCode(
          store.apply({
            featureViews: [{ name: "v", entities: ["nobody"], schema: { fields: [{ name: "x", type: "float64" }] } }],
          }),
          "NOT_FOUND",
          "nobody",
        );
        await expectCode(
          store.apply({ featureServices: [{ name: "s", features: ["driver_stats:nope"] }] }),
          "NOT_FOUND",
          "nope",
        );
        await expectCode(store.apply({ featureServices: [{ name: "s", features: ["ghost"] }] }), "NOT_FOUND", "ghost");
        await expectCode(store.apply({ entities: [{ name: "e", joinKeys: [] }] }), "INVALID_ARGUMENT");
        await expectCode(store.apply({ remove: [{ kind: "entity", name: "ghost" }] }), "NOT_FOUND");
        await expectCode(store.apply({ remove: [{ kind: "entity", name: "driver" }] }), "FAILED_PRECONDITION");
      });

      it("drops a removed view's data, so a view of the same name starts empty", async () => {
        const { store } = await withDefinitions();
        await store.ingest("customer_profile", [{ customer_id: "c", event_timestamp: 1, tier: "gold", trips: 1 }]);
        await store.apply({
          remove: [
            { kind: "featureService", name: "ranker" },
            { kind: "featureView", name: "customer_profile" },
          ],
        });
        await store.apply({ featureViews: CONFORMANCE_DEFINITIONS.featureViews?.slice(1) });
        const set = await store.getHistoricalFeatures({
          entityRows: [{ customer_id: "c", event_timestamp: 5 }],
          features: ["customer_profile:tier"],
        });
        expect(set.rows[0]?.tier).toBeNull();
      });
    });

    describe("values", () => {
      it("keeps every value type as written, offline and online", async () => {
        const { store } = await fresh();
        await store.apply({
          entities: CONFORMANCE_DEFINITIONS.entities,
          featureViews: [
            {
              name: "all",
              entities: ["customer"],
              schema: {
                fields: [
                  { name: "b", type: "bool" },
                  { name: "i32", type: "int32" },
                  { name: "i64", type: "int64" },
                  { name: "big", type: "int64" },
                  { name: "f32", type: "float32" },
                  { name: "f64", type: "float64" },
                  { name: "nan", type: "float64" },
                  { name: "s", type: "string" },
                  { name: "y", type: "bytes" },
                  { name: "t", type: "timestamp" },
                  { name: "v", type: "vector", length: 3 },
                  { name: "n", type: "string", nullable: true },
                ],
              },
            },
          ],
        });
        const record = {
          customer_id: "c",
          event_timestamp: 5,
          b: true,
          i32: -7,
          i64: 2 ** 40,
          big: 2n ** 62n,
          f32: 0.5,
          f64: -0,
          nan: Number.NaN,
          s: 'ünïcødé "$n"',
          y: new Uint8Array([0, 1, 255]),
          t: 1_700_000_000_000,
          v: new Float32Array([1, 2.5, -3]),
        };
        const expected = { ...record, v: [1, 2.5, -3], n: null };
        const targets = caps.online ? ("both" as const) : ("offline" as const);
        await store.push("all", [record], { to: targets });
        const set = await store.getHistoricalFeatures({
          entityRows: [{ customer_id: "c", event_timestamp: 5 }],
          features: ["all"],
        });
        expect(set.rows[0]).toEqual(expected);
        expect(Object.is(set.rows[0]?.f64, -0)).toBe(true);
        if (caps.online) {
          const online = await store.getOnlineFeatures({ entityRows: [{ customer_id: "c" }], features: ["all"] });
          const { customer_id: _c, event_timestamp: _t, ...features } = expected;
          expect(online.rows?.[0]?.values).toEqual(features);
          expect(online.rows?.[0]?.statuses.n).toBe("NULL_VALUE");
        }
      });
    });

    describe("ingest validation", () => {
      it("rejects a missing join key, a wrong type, an unknown view, and writes nothing", async () => {
        const { store } = await withDefinitions();
        const good = { driver_id: 1, event_timestamp: 10, conv_rate: 0.5, trips: 3 };
        await expectCode(
          store.ingest("driver_stats", [good, { event_timestamp: 10, conv_rate: 0.1, trips: 1 }]),
          "INVALID_ARGUMENT",
          "records.1",
        );
        await expectCode(
          store.ingest("driver_stats", [good, { ...good, trips: "three" }]),
          "INVALID_ARGUMENT",
          "trips",
        );
        await expectCode(
          store.ingest("driver_stats", [{ ...good, event_timestamp: "noon" }]),
          "INVALID_ARGUMENT",
          "event_timestamp",
        );
        await expectCode(
          store.ingest("driver_stats", [{ ...good, driver_id: "one" }]),
          "INVALID_ARGUMENT",
          "driver_id",
        );
        await expectCode(store.ingest("nope", [good]), "NOT_FOUND", "nope");
        const set = await store.getHistoricalFeatures({
          entityRows: [{ driver_id: 1, event_timestamp: 20 }],
          features: ["driver_stats:trips"],
        });
        expect(set.rows).toEqual([{ driver_id: 1, event_timestamp: 20, trips: null }]);
      });

      it("rejects bad retrieval requests naming the culprit", async () => {
        const { store } = await withDefinitions();
        await expectCode(
          store.getHistoricalFeatures({ entityRows: [{ event_timestamp: 1 }], features: ["driver_stats:trips"] }),
          "INVALID_ARGUMENT",
          "driver_id",
        );
        await expectCode(
          store.getHistoricalFeatures({ entityRows: [{ driver_id: 1 }], features: ["driver_stats:trips"] }),
          "INVALID_ARGUMENT",
          "event_timestamp",
        );
        await expectCode(
          store.getHistoricalFeatures({ entityRows: [], features: ["driver_stats:nope"] }),
          "NOT_FOUND",
          "nope",
        );
        await expectCode(store.getHistoricalFeatures({ entityRows: [], features: ["ghost:x"] }), "NOT_FOUND", "ghost");
        await expectCode(store.getHistoricalFeatures({ entityRows: [], service: "ghost" }), "NOT_FOUND", "ghost");
        await expectCode(store.getHistoricalFeatures({ entityRows: [] } as never), "INVALID_ARGUMENT");
      });
    });

    describe("historical retrieval rules", () => {
      const rows = (r: readonly Row[], column: string) => r.map((x) => x[column]);

      it("1. candidates have event time in [T − ttl, T], both ends inclusive", async () => {
        const { store } = await withDefinitions();
        await store.ingest("driver_stats", [{ driver_id: 1, event_timestamp: 1000, conv_rate: 0.1, trips: 1 }]);
        const set = await store.getHistoricalFeatures({
          entityRows: [999, 1000, 1000 + 2 * HOUR, 1001 + 2 * HOUR].map((t) => ({ driver_id: 1, event_timestamp: t })),
          features: ["driver_stats:trips"],
        });
        expect(rows(set.rows, "trips")).toEqual([null, 1, 1, null]);
      });

      it("1. ttl 0 means no lower bound", async () => {
        const { store } = await withDefinitions();
        await store.ingest("customer_profile", [{ customer_id: "c", event_timestamp: 0, tier: "gold", trips: 1 }]);
        const set = await store.getHistoricalFeatures({
          entityRows: [{ customer_id: "c", event_timestamp: 10 ** 12 }],
          features: ["customer_profile:tier"],
        });
        expect(set.rows[0]?.tier).toBe("gold");
      });

      it("2. asOfKnownTime (per query or per row) counts only rows created by then", async () => {
        const { store, clock } = await withDefinitions();
        clock.set(100);
        await store.ingest("customer_profile", [{ customer_id: "c", event_timestamp: 10, tier: "silver", trips: 1 }]);
        clock.set(200);
        await store.ingest("customer_profile", [{ customer_id: "c", event_timestamp: 20, tier: "gold", trips: 2 }]);
        const query = (extra: object, entity: Row = { customer_id: "c", event_timestamp: 50 }) =>
          store.getHistoricalFeatures({ entityRows: [entity], features: ["customer_profile:tier"], ...extra });
        expect((await query({})).rows[0]?.tier).toBe("gold");
        expect((await query({ asOfKnownTime: 150 })).rows[0]?.tier).toBe("silver");
        expect((await query({ asOfKnownTime: 99 })).rows[0]?.tier).toBeNull();
        const perRow = await query(
          { asOfKnownTimeColumn: "known_at" },
          { customer_id: "c", event_timestamp: 50, known_at: 150 },
        );
        expect(perRow.rows[0]).toEqual({ customer_id: "c", event_timestamp: 50, known_at: 150, tier: "silver" });
      });

      it("3. ties go to the greatest created time, then to the latest ingestion", async () => {
        const { store } = await fresh();
        await store.apply({
          entities: CONFORMANCE_DEFINITIONS.entities,
          featureViews: [
            {
              name: "scores",
              entities: ["customer"],
              schema: { fields: [{ name: "score", type: "float64" }] },
              source: { createdTimestampField: "created" },
            },
          ],
        });
        await store.ingest("scores", [
          { customer_id: "a", event_timestamp: 10, created: 5, score: 1 },
          { customer_id: "a", event_timestamp: 10, created: 7, score: 2 },
          { customer_id: "a", event_timestamp: 10, created: 6, score: 3 },
          { customer_id: "b", event_timestamp: 10, created: 5, score: 4 },
        ]);
        await store.ingest("scores", [{ customer_id: "b", event_timestamp: 10, created: 5, score: 5 }]);
        const set = await store.getHistoricalFeatures({
          entityRows: [
            { customer_id: "a", event_timestamp: 10 },
            { customer_id: "b", event_timestamp: 10 },
            { customer_id: "a", event_timestamp: 10, known: 6 },
          ],
          features: ["scores:score"],
          asOfKnownTimeColumn: "known",
        });
        expect(rows(set.rows, "score")).toEqual([2, 5, 3]);
      });

      it("4-5. one row per input row, in order, duplicates kept, labels passed through, misses null", async () => {
        const { store } = await withDefinitions();
        await store.ingest("driver_stats", [
          { driver_id: 1, event_timestamp: 10, conv_rate: 0.1, trips: 1 },
          { driver_id: 2, event_timestamp: 10, conv_rate: null, trips: 2 },
        ]);
        const entityRows = [
          { driver_id: 2, event_timestamp: 11, label: true },
          { driver_id: 1, event_timestamp: 11, label: false },
          { driver_id: 2, event_timestamp: 11, label: true },
          { driver_id: 9, event_timestamp: 11, label: false },
          { driver_id: 1, event_timestamp: 5, label: true },
        ];
        const set = await store.getHistoricalFeatures({ entityRows, features: ["driver_stats"] });
        expect(set.featureNames).toEqual(["conv_rate", "trips"]);
        expect(set.rows).toEqual([
          { ...entityRows[0], conv_rate: null, trips: 2 },
          { ...entityRows[1], conv_rate: 0.1, trips: 1 },
          { ...entityRows[2], conv_rate: null, trips: 2 },
          { ...entityRows[3], conv_rate: null, trips: null },
          { ...entityRows[4], conv_rate: null, trips: null },
        ]);
      });

      it("6. names columns view__feature with fullFeatureNames; a bare collision is INVALID_ARGUMENT", async () => {
        const { store } = await withDefinitions();
        const entityRows = [{ driver_id: 1, customer_id: "c", event_timestamp: 1 }];
        const features = ["driver_stats:trips", "customer_profile:trips"];
        await expectCode(store.getHistoricalFeatures({ entityRows, features }), "INVALID_ARGUMENT", "trips");
        const set = await store.getHistoricalFeatures({ entityRows, features, fullFeatureNames: true });
        expect(set.featureNames).toEqual(["driver_stats__trips", "customer_profile__trips"]);
        await expectCode(
          store.getHistoricalFeatures({
            entityRows: [{ ...entityRows[0], trips: 1 }],
            features: ["driver_stats:trips"],
          }),
          "INVALID_ARGUMENT",
          "trips",
        );
      });

      it("services select features, with aliases", async () => {
        const { store } = await withDefinitions();
        await store.apply({
          featureServices: [
            {
              name: "aliased",
              features: ["driver_stats:trips", "customer_profile:trips"],
              aliases: { "customer_profile:trips": "customer_trips" },
            },
          ],
        });
        await store.ingest("customer_profile", [{ customer_id: "c", event_timestamp: 1, tier: "gold", trips: 7 }]);
        const set = await store.getHistoricalFeatures({
          entityRows: [{ driver_id: 1, customer_id: "c", event_timestamp: 2 }],
          service: "aliased",
        });
        expect(set.featureNames).toEqual(["trips", "customer_trips"]);
        expect(set.rows[0]).toMatchObject({ trips: null, customer_trips: 7 });
        const ranker = await store.getHistoricalFeatures({
          entityRows: [{ driver_id: 1, customer_id: "c", event_timestamp: 2 }],
          service: "ranker",
          fullFeatureNames: true,
        });
        expect(ranker.featureNames).toEqual([
          "driver_stats__conv_rate",
          "customer_profile__tier",
          "customer_profile__trips",
        ]);
      });

      it("composite join keys match only when every key is equal", async () => {
        const { store } = await fresh();
        await store.apply({
          entities: [
            {
              name: "pair",
              joinKeys: [
                { name: "a", type: "int32" },
                { name: "b", type: "string" },
              ],
            },
          ],
          featureViews: [{ name: "p", entities: ["pair"], schema: { fields: [{ name: "v", type: "int32" }] } }],
        });
        await store.ingest("p", [
          { a: 1, b: "x", event_timestamp: 1, v: 1 },
          { a: 1, b: "y", event_timestamp: 1, v: 2 },
          { a: 2, b: "x", event_timestamp: 1, v: 3 },
        ]);
        const set = await store.getHistoricalFeatures({
          entityRows: [
            { a: 1, b: "y", event_timestamp: 5 },
            { a: 2, b: "x", event_timestamp: 5 },
            { a: 2, b: "y", event_timestamp: 5 },
          ],
          features: ["p:v"],
        });
        expect(set.rows.map((r) => r.v)).toEqual([2, 3, null]);
      });

      it("7. the training-set ref is the same for the same call and changes with the data", async () => {
        const { store } = await withDefinitions();
        await store.ingest("driver_stats", [{ driver_id: 1, event_timestamp: 10, conv_rate: 0.1, trips: 1 }]);
        const request = { entityRows: [{ driver_id: 1, event_timestamp: 11 }], features: ["driver_stats:trips"] };
        const a = await store.getHistoricalFeatures(request);
        const b = await store.getHistoricalFeatures(request);
        expect(a.ref.kind).toBe("training-set");
        expect(a.ref).toEqual(b.ref);
        expect(a.ref.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
        const other = await store.getHistoricalFeatures({
          ...request,
          entityRows: [{ driver_id: 1, event_timestamp: 12 }],
        });
        expect(other.ref.contentHash).not.toBe(a.ref.contentHash);
        await store.ingest("driver_stats", [{ driver_id: 2, event_timestamp: 10, conv_rate: 0.1, trips: 1 }]);
        expect((await store.getHistoricalFeatures(request)).ref.contentHash).not.toBe(a.ref.contentHash);
      });

      it("carries the sources' data commits as lineage", async () => {
        const { store } = await fresh();
        const dataRef = { kind: "data-commit" as const, repo: "trips", commit: "c1" };
        await store.apply({
          entities: CONFORMANCE_DEFINITIONS.entities,
          featureViews: [
            {
              name: "v",
              entities: ["driver"],
              schema: { fields: [{ name: "x", type: "float64" }] },
              source: { dataRef },
            },
          ],
        });
        const set = await store.getHistoricalFeatures({ entityRows: [], features: ["v:x"] });
        expect(set.lineage).toEqual([dataRef]);
      });

      it("8. takes entity rows as an async stream and streams the result in input order", async () => {
        const { store } = await withDefinitions();
        await store.ingest("driver_stats", [{ driver_id: 1, event_timestamp: 10, conv_rate: 0.1, trips: 1 }]);
        async function* entityRows() {
          for (let i = 0; i < 20_000; i++) yield { driver_id: i % 3, event_timestamp: 10 + i, i };
        }
        const stream = store.streamHistoricalFeatures({ entityRows: entityRows(), features: ["driver_stats:trips"] });
        const seen: number[] = [];
        const trips: unknown[] = [];
        let batches = 0;
        for await (const batch of stream) {
          batches++;
          for (const row of batch) {
            seen.push(row.i as number);
            trips.push(row.trips);
          }
        }
        const n = seen.length;
        expect(seen).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
        expect(trips).toEqual(seen.map((i) => (i % 3 === 1 && 10 + i <= 10 + 2 * HOUR ? 1 : null)));
        expect(n).toBe(20_000);
        expect(batches).toBeGreaterThan(1);
        expect((await stream.ref).kind).toBe("training-set");
        const whole = await store.getHistoricalFeatures({ entityRows: entityRows(), features: ["driver_stats:trips"] });
        expect(whole.ref).toEqual(await stream.ref);
      });

      it("honours an aborted signal with CANCELLED", async () => {
        const { store } = await withDefinitions();
        const controller = new AbortController();
        controller.abort();
        await expectCode(
          store.getHistoricalFeatures({
            entityRows: [{ driver_id: 1, event_timestamp: 1 }],
            features: ["driver_stats:trips"],
            signal: controller.signal,
          }),
          "CANCELLED",
        );
      });
    });

    describe("point-in-time join against a brute-force oracle", () => {
      const record = fc.record({
        k1: fc.integer({ min: 0, max: 2 }),
        k2: fc.constantFrom("a", "b"),
        event: fc.integer({ min: 0, max: 12 }),
        created: fc.integer({ min: 0, max: 12 }),
      });
      const query = fc.record({
        k1: fc.integer({ min: 0, max: 2 }),
        k2: fc.constantFrom("a", "b"),
        time: fc.integer({ min: 0, max: 15 }),
        known: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
      });
      it("getHistoricalFeatures equals the oracle on random data", async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(fc.array(record, { maxLength: 12 }), { maxLength: 3 }),
            fc.array(query, { maxLength: 12 }),
            fc.constantFrom(0, 1, 3, 10),
            fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
            fc.boolean(),
            async (batches, queries, ttl, asOfKnownTime, composite) => {
              const { store } = await fresh();
              try {
                await store.apply({
                  entities: [
                    {
                      name: "pair",
                      joinKeys: composite
                        ? [
                            { name: "k1", type: "int64" },
                            { name: "k2", type: "string" },
                          ]
                        : [{ name: "k1", type: "int64" }],
                    },
                  ],
                  featureViews: [
                    {
                      name: "v",
                      entities: ["pair"],
                      schema: { fields: [{ name: "id", type: "int32" }] },
                      source: { createdTimestampField: "created" },
                      ttl,
                    },
                  ],
                });
                const all: OracleRecord[] = [];
                for (const batch of batches) {
                  const records = batch.map((r, j) => ({
                    k1: r.k1,
                    k2: r.k2,
                    event_timestamp: r.event,
                    created: r.created,
                    id: all.length + j,
                  }));
                  if (records.length > 0) await store.ingest("v", records);
                  records.forEach((r) => {
                    all.push({
                      key: composite ? [r.k1, r.k2] : [r.k1],
                      eventTime: r.event_timestamp,
                      createdTime: r.created,
                      order: all.length,
                      value: r.id,
                    });
                  });
                }
                const entityRows = queries.map((q) => ({
                  k1: q.k1,
                  k2: q.k2,
                  event_timestamp: q.time,
                  ...(q.known === undefined ? {} : { known: q.known }),
                }));
                const set = await store.getHistoricalFeatures({
                  entityRows,
                  features: ["v:id"],
                  asOfKnownTimeColumn: "known",
                  ...(asOfKnownTime === undefined ? {} : { asOfKnownTime }),
                });
                const oracleQueries: OracleQuery[] = queries.map((q) => {
                  const bounds = [q.known, asOfKnownTime].filter((x): x is number => x !== undefined);
                  return {
                    key: composite ? [q.k1, q.k2] : [q.k1],
                    time: q.time,
                    ...(bounds.length ? { asOf: Math.min(...bounds) } : {}),
                  };
                });
                expect(set.rows.map((r) => r.id)).toEqual(oraclePointInTime(all, oracleQueries, ttl));
                expect(set.rows.map(({ id: _id, ...rest }) => rest)).toEqual(entityRows);
              } finally {
                await store.stop();
              }
            },
          ),
          { numRuns: options.propertyRuns ?? 40 },
        );
      });
    });

    describe.runIf(caps.online)("online serving", () => {
      it("ignores an online write not newer than the stored one", async () => {
        const { store } = await withDefinitions();
        const push = (t: number, trips: number) =>
          store.push("driver_stats", [{ driver_id: 1, event_timestamp: t, conv_rate: 0.5, trips }]);
        expect((await push(100, 1)).online).toEqual({ written: 1, ignored: 0 });
        expect((await push(100, 2)).online).toEqual({ written: 0, ignored: 1 });
        expect((await push(50, 3)).online).toEqual({ written: 0, ignored: 1 });
        expect((await push(101, 4)).online).toEqual({ written: 1, ignored: 0 });
        const read = await store.getOnlineFeatures({
          entityRows: [{ driver_id: 1 }],
          features: ["driver_stats:trips"],
        });
        expect(read.rows?.[0]?.values.trips).toBe(4);
        const batch = await store.push("driver_stats", [
          { driver_id: 2, event_timestamp: 5, conv_rate: 0.5, trips: 1 },
          { driver_id: 2, event_timestamp: 5, conv_rate: 0.5, trips: 2 },
          { driver_id: 2, event_timestamp: 4, conv_rate: 0.5, trips: 3 },
        ]);
        expect(batch.online).toEqual({ written: 1, ignored: 2 });
        const two = await store.getOnlineFeatures({ entityRows: [{ driver_id: 2 }], features: ["driver_stats:trips"] });
        expect(two.rows?.[0]?.values.trips).toBe(1);
      });

      it("reports PRESENT, NULL_VALUE, NOT_FOUND and STALE (by the Clock) with event times", async () => {
        const { store, clock } = await withDefinitions(10 * HOUR);
        await store.push("driver_stats", [
          { driver_id: 1, event_timestamp: 10 * HOUR - 1000, conv_rate: 0.5, trips: 3 },
          { driver_id: 2, event_timestamp: 10 * HOUR - 1000, conv_rate: null, trips: 4 },
          { driver_id: 3, event_timestamp: 7 * HOUR, conv_rate: 0.9, trips: 5 },
        ]);
        const read = await store.getOnlineFeatures({
          entityRows: [{ driver_id: 1 }, { driver_id: 2 }, { driver_id: 3 }, { driver_id: 4 }],
          features: ["driver_stats:conv_rate"],
        });
        expect(read.featureNames).toEqual(["conv_rate"]);
        expect(read.rows?.map((r) => r.statuses.conv_rate)).toEqual(["PRESENT", "NULL_VALUE", "STALE", "NOT_FOUND"]);
        expect(read.rows?.map((r) => r.values.conv_rate)).toEqual([0.5, null, 0.9, null]);
        expect(read.rows?.map((r) => r.eventTimes.conv_rate)).toEqual([
          10 * HOUR - 1000,
          10 * HOUR - 1000,
          7 * HOUR,
          null,
        ]);
        clock.advance(2 * HOUR - 1000);
        const later = await store.getOnlineFeatures({
          entityRows: [{ driver_id: 1 }],
          features: ["driver_stats:conv_rate"],
        });
        expect(later.rows?.[0]?.statuses.conv_rate).toBe("PRESENT");
        clock.advance(1);
        const stale = await store.getOnlineFeatures({
          entityRows: [{ driver_id: 1 }],
          features: ["driver_stats:conv_rate"],
        });
        expect(stale.rows?.[0]?.statuses.conv_rate).toBe("STALE");
      });

      it("applies the stale policies null and error, and answers in columns", async () => {
        const { store, clock } = await withDefinitions();
        await store.apply({
          featureViews: [
            {
              name: "n",
              entities: ["driver"],
              schema: { fields: [{ name: "a", type: "float64" }] },
              ttl: 10,
              stalePolicy: "null",
            },
            {
              name: "e",
              entities: ["driver"],
              schema: { fields: [{ name: "b", type: "float64" }] },
              ttl: 10,
              stalePolicy: "error",
            },
          ],
        });
        await store.push("n", [{ driver_id: 1, event_timestamp: 0, a: 1 }]);
        await store.push("e", [{ driver_id: 1, event_timestamp: 0, b: 2 }]);
        clock.set(5);
        const fresh = await store.getOnlineFeatures({
          entityRows: [{ driver_id: 1 }, { driver_id: 2 }],
          features: ["n:a", "e:b"],
          columnar: true,
        });
        expect(fresh.rows).toBeUndefined();
        expect(fresh.columns).toEqual({
          a: { values: [1, null], statuses: ["PRESENT", "NOT_FOUND"], eventTimes: [0, null] },
          b: { values: [2, null], statuses: ["PRESENT", "NOT_FOUND"], eventTimes: [0, null] },
        });
        clock.set(11);
        const nulled = await store.getOnlineFeatures({ entityRows: [{ driver_id: 1 }], features: ["n:a"] });
        expect(nulled.rows?.[0]).toEqual({ values: { a: null }, statuses: { a: "STALE" }, eventTimes: { a: 0 } });
        await expectCode(
          store.getOnlineFeatures({ entityRows: [{ driver_id: 1 }], features: ["e:b"] }),
          "FAILED_PRECONDITION",
          "ttl",
        );
      });

      it("rejects bad online requests naming the culprit", async () => {
        const { store } = await withDefinitions();
        await expectCode(
          store.getOnlineFeatures({ entityRows: [{ driver: 1 }], features: ["driver_stats:trips"] }),
          "INVALID_ARGUMENT",
          "driver_id",
        );
        await expectCode(
          store.getOnlineFeatures({ entityRows: [{ driver_id: 1 }], features: ["driver_stats:nope"] }),
          "NOT_FOUND",
          "nope",
        );
        await expectCode(
          store.push("driver_stats", [{ driver_id: 1, event_timestamp: 1, conv_rate: "x", trips: 1 }]),
          "INVALID_ARGUMENT",
          "conv_rate",
        );
        await store.apply({
          featureViews: [
            {
              name: "offline_only",
              entities: ["driver"],
              schema: { fields: [{ name: "x", type: "float64" }] },
              online: false,
            },
          ],
        });
        await expectCode(
          store.getOnlineFeatures({ entityRows: [{ driver_id: 1 }], features: ["offline_only:x"] }),
          "FAILED_PRECONDITION",
          "offline_only",
        );
      });

      it("push to both writes offline and online; to offline leaves online alone", async () => {
        const { store } = await withDefinitions();
        const record = { driver_id: 1, event_timestamp: 10, conv_rate: 0.5, trips: 3 };
        expect(await store.push("driver_stats", [record], { to: "offline" })).toEqual({
          offline: 1,
          online: { written: 0, ignored: 0 },
        });
        const none = await store.getOnlineFeatures({
          entityRows: [{ driver_id: 1 }],
          features: ["driver_stats:trips"],
        });
        expect(none.rows?.[0]?.statuses.trips).toBe("NOT_FOUND");
        await store.push("driver_stats", [{ ...record, event_timestamp: 20, trips: 4 }], { to: "both" });
        const set = await store.getHistoricalFeatures({
          entityRows: [
            { driver_id: 1, event_timestamp: 15 },
            { driver_id: 1, event_timestamp: 25 },
          ],
          features: ["driver_stats:trips"],
        });
        expect(set.rows.map((r) => r.trips)).toEqual([3, 4]);
      });
    });

    describe.runIf(!caps.online)("without online serving", () => {
      it("throws NOT_SUPPORTED", async () => {
        const { store } = await withDefinitions();
        await expectCode(
          store.getOnlineFeatures({ entityRows: [], features: ["driver_stats:trips"] }),
          "NOT_SUPPORTED",
        );
        await expectCode(store.push("driver_stats", []), "NOT_SUPPORTED");
      });
    });

    describe.runIf(caps.online && caps.materialize)("materialization", () => {
      it("puts the latest row per key in [start, end] online, with progress events", async () => {
        const { store } = await withDefinitions();
        await store.ingest("customer_profile", [
          { customer_id: "a", event_timestamp: 10, tier: "bronze", trips: 1 },
          { customer_id: "a", event_timestamp: 20, tier: "silver", trips: 2 },
          { customer_id: "a", event_timestamp: 31, tier: "gold", trips: 3 },
          { customer_id: "b", event_timestamp: 5, tier: "bronze", trips: 4 },
        ]);
        const events: ProgressEvent[] = [];
        store.events.on("progress", (e) => events.push(e));
        const result = await store.materialize({ views: ["customer_profile"], start: 10, end: 30 });
        expect(result.views).toEqual([
          { view: "customer_profile", start: 10, end: 30, rows: 1, written: 1, ignored: 0 },
        ]);
        expect(events.some((e) => e.task === "materialize:customer_profile" && e.done === 1 && e.unit === "rows")).toBe(
          true,
        );
        const read = await store.getOnlineFeatures({
          entityRows: [{ customer_id: "a" }, { customer_id: "b" }],
          features: ["customer_profile:tier"],
        });
        expect(read.rows?.map((r) => r.values.tier)).toEqual(["silver", null]);
        const again = await store.materialize({ views: ["customer_profile"], start: 0, end: 30 });
        expect(again.views[0]).toMatchObject({ rows: 2, written: 1, ignored: 1 });
      });

      it("materializes incrementally from the watermark (first time: end − ttl)", async () => {
        const { store } = await withDefinitions();
        await store.ingest("driver_stats", [
          { driver_id: 1, event_timestamp: 1000, conv_rate: 0.1, trips: 1 },
          { driver_id: 2, event_timestamp: 3 * HOUR, conv_rate: 0.2, trips: 2 },
        ]);
        const first = await store.materializeIncremental({ views: ["driver_stats"], end: 4 * HOUR });
        expect(first.views[0]).toMatchObject({ start: 2 * HOUR, end: 4 * HOUR, rows: 1, written: 1 });
        await store.ingest("driver_stats", [{ driver_id: 1, event_timestamp: 5 * HOUR, conv_rate: 0.3, trips: 3 }]);
        const second = await store.materializeIncremental({ end: 6 * HOUR });
        expect(second.views.find((v) => v.view === "driver_stats")).toMatchObject({
          start: 4 * HOUR,
          end: 6 * HOUR,
          rows: 1,
          written: 1,
        });
        const read = await store.getOnlineFeatures({
          entityRows: [{ driver_id: 1 }, { driver_id: 2 }],
          features: ["driver_stats:trips"],
        });
        expect(read.rows?.map((r) => r.values.trips)).toEqual([3, 2]);
      });

      it("an aborted materialization moves no watermark, and a rerun completes it", async () => {
        const { store } = await withDefinitions();
        await store.ingest("customer_profile", [{ customer_id: "a", event_timestamp: 10, tier: "gold", trips: 1 }]);
        const controller = new AbortController();
        controller.abort();
        await expectCode(
          store.materializeIncremental({ views: ["customer_profile"], end: 100, signal: controller.signal }),
          "CANCELLED",
        );
        const rerun = await store.materializeIncremental({ views: ["customer_profile"], end: 100 });
        expect(rerun.views[0]).toMatchObject({ rows: 1, written: 1 });
      });
    });

    describe.runIf(caps.online && caps.onDemand)("on-demand feature views", () => {
      it("give identical results online and in historical retrieval", async () => {
        const { store, clock } = await withDefinitions();
        await store.apply({
          onDemandFeatureViews: [
            {
              name: "adjusted",
              sources: ["driver_stats:conv_rate"],
              requestSchema: { fields: [{ name: "boost", type: "float64" }] },
              schema: { fields: [{ name: "adjusted_rate", type: "float64", nullable: true }] },
              transform: (inputs) => {
                const rate = inputs["driver_stats:conv_rate"] as number | null;
                return { adjusted_rate: rate === null ? null : rate * (inputs.boost as number) };
              },
            },
          ],
        });
        await store.push(
          "driver_stats",
          [
            { driver_id: 1, event_timestamp: 0, conv_rate: 0.5, trips: 1 },
            { driver_id: 2, event_timestamp: 0, conv_rate: null, trips: 1 },
          ],
          { to: "both" },
        );
        clock.set(3 * HOUR);
        await store.push("driver_stats", [{ driver_id: 3, event_timestamp: 3 * HOUR, conv_rate: 0.25, trips: 1 }], {
          to: "both",
        });
        const entityRows = [1, 2, 3, 4].map((driver_id) => ({ driver_id, boost: 2 }));
        const online = await store.getOnlineFeatures({ entityRows, features: ["adjusted:adjusted_rate"] });
        const historical = await store.getHistoricalFeatures({
          entityRows: entityRows.map((r) => ({ ...r, event_timestamp: 3 * HOUR })),
          features: ["adjusted:adjusted_rate"],
        });
        expect(online.rows?.map((r) => r.values.adjusted_rate)).toEqual(historical.rows.map((r) => r.adjusted_rate));
        expect(historical.rows.map((r) => r.adjusted_rate)).toEqual([null, null, 0.5, null]);
        await expectCode(
          store.getOnlineFeatures({ entityRows: [{ driver_id: 1 }], features: ["adjusted"] }),
          "INVALID_ARGUMENT",
          "boost",
        );
      });
    });

    describe.runIf(caps.online && caps.skewCheck && caps.materialize)("skew check", () => {
      it("finds no mismatch after materialization and reports every one after an offline-only write", async () => {
        const { store, clock } = await withDefinitions();
        await store.ingest("customer_profile", [
          { customer_id: "a", event_timestamp: 10, tier: "silver", trips: 1 },
          { customer_id: "b", event_timestamp: 10, tier: "gold", trips: 2 },
        ]);
        clock.set(100);
        await store.materialize({ start: 0, end: 100 });
        const sample = {
          entityRows: [{ customer_id: "a" }, { customer_id: "b" }, { customer_id: "c" }],
          features: ["customer_profile"],
        };
        const clean = await store.checkSkew(sample);
        expect(clean).toEqual({ at: 100, rows: 3, compared: 6, mismatches: [] });
        await store.push("customer_profile", [{ customer_id: "a", event_timestamp: 50, tier: "gold", trips: 1 }], {
          to: "offline",
        });
        const skewed = await store.checkSkew(sample);
        expect(skewed.mismatches).toEqual([
          { row: 0, feature: "tier", online: "silver", status: "PRESENT", historical: "gold" },
        ]);
      });
    });
  });
}
