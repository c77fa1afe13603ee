import { isMlstackError, type MlstackError } from "@mlstack/core";
import { createMemoryDataEngine } from "@mlstack/data";
import { describe, expect, it } from "vitest";
import { ALL_RESOURCES, compileResourcePattern } from "../src/access/match-resource.js";
import { type AccessDecision, type AccessPolicy, createTestStack, defineStack, type TestStack } from "../src/index.js";

const policy: AccessPolicy = {
  roles: {
    none: [],
    loansWriter: [
      { permission: "data:write", resource: "loans-*" },
      { permission: "data:read", resource: "loans-*" },
    ],
    teamReader: [{ permission: "data:read", resource: "team/**" }],
    oneCharReader: [{ permission: "data:read", resource: "r?" }],
    reader: ["data:read", "features:read", "monitor:read"],
    statsReader: [{ permission: "features:read", resource: "stats" }],
    admin: ["stack:admin", "data:admin"],
  },
};

async function stackWithRepos(options: { audit?: AccessPolicy["audit"] } = {}): Promise<TestStack> {
  const stack = await createTestStack({
    policy: { ...policy, ...(options.audit === undefined ? {} : { audit: options.audit }) },
  });
  for (const repo of ["loans-2026", "other", "r1", "r22"]) await stack.data.createRepo(repo);
  return stack;
}

const put = (content: string) => (tx: { put(path: string, data: string): Promise<unknown> }) =>
  tx.put("file.txt", content).then(() => undefined);

async function denied(promise: unknown): Promise<MlstackError> {
  try {
    await promise;
  } catch (error) {
    if (isMlstackError(error, "PERMISSION_DENIED")) return error;
    throw error;
  }
  throw new Error("expected PERMISSION_DENIED, the call succeeded");
}

describe("stack.as(principal)", () => {
  it("is FAILED_PRECONDITION on a stack without a policy, saying what to add", async () => {
    await using stack = await createTestStack();
    expect(() => stack.as({ id: "alice", roles: [] })).toThrow(
      expect.objectContaining({ code: "FAILED_PRECONDITION", message: expect.stringContaining("options.policy") }),
    );
  });

  it("refuses a role the policy does not define, and a malformed principal, with INVALID_ARGUMENT", async () => {
    await using stack = await createTestStack({ policy });
    expect(() => stack.as({ id: "alice", roles: ["none", "superuser"] })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringContaining("superuser") }),
    );
    expect(() => stack.as({ id: "", roles: [] })).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => stack.as({ id: "alice", roles: "admin" } as never)).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });

  it("refuses a malformed resource pattern when the stack is defined", () => {
    expect(() =>
      defineStack({}, { policy: { roles: { broken: [{ permission: "data:read", resource: "loans-[" }] } } }),
    ).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });

  it("refuses auditing without a MetadataStore to audit into", () => {
    expect(() => defineStack({ data: createMemoryDataEngine() }, { policy: { roles: {}, audit: true } })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringContaining("metadata") }),
    );
  });
});

describe("deny by default, grants by permission and resource pattern", () => {
  it("denies a principal without roles everything, and the owner's view checks nothing", async () => {
    await using stack = await stackWithRepos();
    const decisions: AccessDecision[] = [];
    stack.events.on("access", (d) => decisions.push(d));
    const nobody = stack.as({ id: "nobody", roles: [] });
    await denied(nobody.data.getRepo("other"));
    await denied(nobody.data.listRepos());
    expect(await stack.data.getRepo("other")).toMatchObject({ name: "other" });
    expect(decisions.map((d) => [d.principal, d.permission, d.resource, d.operation, d.allowed])).toEqual([
      ["nobody", "data:read", "other", "data.getRepo", false],
      ["nobody", "data:read", "*", "data.listRepos", false],
    ]);
  });

  it("matches a grant's resource glob: loans-* writes loans-2026, not other, and does not cover listing every repo", async () => {
    await using stack = await stackWithRepos();
    const alice = stack.as({ id: "alice", roles: ["loansWriter"] });
    const commit = await alice.data.commit("loans-2026", "main", put("1"), { message: "m" });
    expect(commit.repo).toBe("loans-2026");
    const error = await denied(alice.data.commit("other", "main", put("1"), { message: "m" }));
    expect(error.details).toEqual({
      principal: "alice",
      permission: "data:write",
      resource: "other",
      operation: "data.commit",
    });
    await denied(alice.data.listRepos());
    // Reading is a separate permission: the writer role grants data:read too, admin it does not.
    await denied(alice.data.deleteRepo("loans-2026"));
    expect(await stack.data.getRepo("loans-2026")).toMatchObject({ name: "loans-2026" });
  });

  it("compiles patterns: * and ? within a segment, ** across segments, * or ** alone for every resource", () => {
    const team = compileResourcePattern("team/**");
    expect(["team/a", "team/a/b", "team/"].map(team)).toEqual([true, true, true]);
    expect(["team", "teams/a", ALL_RESOURCES].map(team)).toEqual([false, false, false]);
    const star = compileResourcePattern("loans-*");
    expect(["loans-1", "loans-", "loans-a/b", "loan", ALL_RESOURCES].map(star)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
    for (const all of ["*", "**"])
      expect(["x", "a/b", ALL_RESOURCES].map(compileResourcePattern(all))).toEqual([true, true, true]);
    expect(() => compileResourcePattern("[a")).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });

  it("matches ? as one character, and a scoped grant never covers every resource", async () => {
    await using stack = await stackWithRepos();
    const repos = (await stack.data.listRepos()).map((r) => r.name);
    await denied(stack.as({ id: "t", roles: ["teamReader"] }).data.getRepo("other"));
    const one = stack.as({ id: "o", roles: ["oneCharReader"] });
    expect(await one.data.getRepo("r1")).toMatchObject({ name: "r1" });
    await denied(one.data.getRepo("r22"));
    // `?` is one character of a name, not "every resource".
    await denied(one.data.listRepos());
    // An unscoped grant covers every resource, listings included.
    const reader = stack.as({ id: "r", roles: ["reader"] });
    expect((await reader.data.listRepos()).length).toBe(repos.length);
  });

  it("checks each resource a call touches: online features of two views need both", async () => {
    await using stack = await createTestStack({ policy });
    await stack.features.apply({
      entities: [{ name: "customer", joinKeys: [{ name: "customer_id", type: "int64" }] }],
      featureViews: [
        { name: "stats", entities: ["customer"], schema: { fields: [{ name: "income", type: "float64" }] } },
        { name: "other", entities: ["customer"], schema: { fields: [{ name: "age", type: "float64" }] } },
      ],
    });
    const s = stack.as({ id: "s", roles: ["statsReader"] });
    const one = await s.features.getOnlineFeatures({ features: ["stats:income"], entityRows: [{ customer_id: 1 }] });
    expect(one.featureNames).toEqual(["income"]);
    const error = await denied(
      s.features.getOnlineFeatures({ features: ["stats:income", "other:age"], entityRows: [{ customer_id: 1 }] }),
    );
    expect(error.message).toContain('"other"');
    expect(error.message).toContain("features:read");
  });

  it("names the principal, permission, resource and operation in the error, never the call's values", async () => {
    await using stack = await stackWithRepos();
    const nobody = stack.as({ id: "nobody", roles: ["none"] });
    const error = await denied(
      nobody.data.commit("loans-2026", "main", put("CONTENT-VALUE-123"), { message: "MESSAGE-VALUE-456" }),
    );
    expect(error.message).toBe('principal "nobody" lacks data:write on "loans-2026" for data.commit');
    const everything = JSON.stringify({ message: error.message, details: error.details, json: error.toJSON() });
    expect(everything).not.toContain("CONTENT-VALUE-123");
    expect(everything).not.toContain("MESSAGE-VALUE-456");
  });

  it("names a named brick by its path", async () => {
    const archive = createMemoryDataEngine();
    const stack = defineStack(
      { data: { bricks: { main: createMemoryDataEngine(), archive }, default: "main" } },
      { policy },
    );
    await archive.createRepo("old");
    const error = await denied(stack.as({ id: "n", roles: [] }).brick("data", "archive").getRepo("old"));
    expect(error.details.operation).toBe("data.archive.getRepo");
  });
});

describe("a principal's view of a brick", () => {
  it("rejects promise-returning methods and throws from synchronous ones, before any effect", async () => {
    await using stack = await stackWithRepos();
    const nobody = stack.as({ id: "nobody", roles: [] });
    const pending = nobody.data.getRepo("other");
    expect(pending).toBeInstanceOf(Promise);
    await denied(pending);
    expect(() => nobody.data.read("other", "main", "x")).toThrow(
      expect.objectContaining({ code: "PERMISSION_DENIED" }),
    );
    expect(() => nobody.data.walk("other", "main")).toThrow(expect.objectContaining({ code: "PERMISSION_DENIED" }));
    expect(() => nobody.features.streamHistoricalFeatures({ features: ["stats:income"], entityRows: [] })).toThrow(
      expect.objectContaining({ code: "PERMISSION_DENIED" }),
    );
  });

  it("lets the interface's fields through, hides internals and is read-only", async () => {
    await using stack = await stackWithRepos();
    const view = stack.as({ id: "reader", roles: ["reader"] });
    expect(view.data.kind).toBe("data");
    expect(view.data.name).toBe(stack.data.name);
    expect(view.data.capabilities).toEqual(stack.data.capabilities);
    expect(view.training.concurrency).toBe(stack.training.concurrency);
    expect(view.monitor.metricsContentType).toBe(stack.monitor.metricsContentType);
    expect((view.data as unknown as Record<string, unknown>).storage).toBeUndefined();
    expect(() => {
      (view.data as unknown as Record<string, unknown>).name = "forged";
    }).toThrow(expect.objectContaining({ code: "PERMISSION_DENIED" }));
    expect(stack.data.name).not.toBe("forged");
    expect(String(view.data)).toBe("[object Object]");
    expect(JSON.stringify(view.data)).toBe("{}");
  });

  it("passes listener methods (returning the view, never the unchecked brick); emit needs stack:admin", async () => {
    await using stack = await stackWithRepos();
    const reader = stack.as({ id: "reader", roles: ["reader"] });
    const seen: string[] = [];
    const returned = reader.data.on("commit", (e) => seen.push(e.repo));
    expect(returned).toBe(reader.data);
    await stack.data.commit("other", "main", put("1"), { message: "m" });
    expect(seen).toEqual(["other"]);
    expect(() => reader.data.emit("commit", {} as never)).toThrow(
      expect.objectContaining({ code: "PERMISSION_DENIED" }),
    );
    expect(() => reader.data.removeAllListeners()).toThrow(expect.objectContaining({ code: "PERMISSION_DENIED" }));

    // A brick's `events` object: listen yes, forge an alert (which could start a retrain) no.
    const alerts: unknown[] = [];
    expect(reader.monitor.events.on("alert.firing", (e) => alerts.push(e))).toBe(reader.monitor.events);
    expect(() => reader.monitor.events.emit("alert.firing", {} as never)).toThrow(
      expect.objectContaining({ code: "PERMISSION_DENIED", message: expect.stringContaining("stack:admin") }),
    );
    expect(alerts).toEqual([]);
    const admin = stack.as({ id: "root", roles: ["admin"] });
    const forwarded: string[] = [];
    stack.events.on("progress", (e) => forwarded.push(e.task));
    // An administrator may emit; the stack forwards the brick's progress as its own.
    expect(admin.monitor.events.emit("progress", { task: "t", done: 1, unit: "rows" })).toBe(true);
    expect(forwarded).toEqual(["monitor:t"]);
  });

  it("needs stack:admin to dispose a brick", async () => {
    await using stack = await stackWithRepos();
    const reader = stack.as({ id: "reader", roles: ["reader"] });
    await denied(reader.data[Symbol.asyncDispose]());
    expect((await stack.data.health()).status).toBe("ok");
    await stack.as({ id: "root", roles: ["admin"] }).data[Symbol.asyncDispose]();
    expect((await stack.data.health()).status).not.toBe("ok");
  });
});

describe("audit", () => {
  it("records every decision as a run of the audit experiment, searchable by its tags", async () => {
    await using stack = await stackWithRepos({ audit: true });
    const alice = stack.as({ id: "alice", roles: ["loansWriter"] });
    await alice.data.getRepo("loans-2026");
    await denied(alice.data.getRepo("other"));
    await stack.flush();
    const experiment = await stack.metadata.getExperimentByName("mlstack-audit");
    const page = await stack.metadata.searchRuns({
      experimentIds: [experiment.experimentId],
      filter: { kind: "compare", field: { type: "tag", key: "principal" }, op: "=", value: "alice" },
      orderBy: [{ field: { type: "attribute", key: "name" } }],
    });
    expect(page.items.map((r) => r.tags)).toEqual([
      {
        principal: "alice",
        permission: "data:read",
        resource: "loans-2026",
        operation: "data.getRepo",
        decision: "allow",
      },
      { principal: "alice", permission: "data:read", resource: "other", operation: "data.getRepo", decision: "deny" },
    ]);
    expect(page.items.every((r) => r.status === "FINISHED")).toBe(true);
  });

  it("goes to the experiment the policy names", async () => {
    await using stack = await stackWithRepos({ audit: { experiment: "security" } });
    await denied(stack.as({ id: "bob", roles: [] }).data.listRepos());
    await stack.flush();
    const experiment = await stack.metadata.getExperimentByName("security");
    const runs = await stack.metadata.searchRuns({ experimentIds: [experiment.experimentId] });
    expect(runs.items.map((r) => r.tags.principal)).toEqual(["bob"]);
  });

  it("never breaks the call when recording fails: the failure is the audit.error event", async () => {
    await using stack = await stackWithRepos({ audit: true });
    const experiment = await stack.metadata.createExperiment({ name: "mlstack-audit" });
    await stack.metadata.deleteExperiment(experiment.experimentId);
    const failures: { decision: AccessDecision; error: Error }[] = [];
    stack.events.on("audit.error", (e) => failures.push(e));
    const alice = stack.as({ id: "alice", roles: ["loansWriter"] });
    expect(await alice.data.getRepo("loans-2026")).toMatchObject({ name: "loans-2026" });
    await stack.flush();
    expect(failures).toHaveLength(1);
    expect(failures[0]?.decision).toMatchObject({ principal: "alice", operation: "data.getRepo", allowed: true });
    expect(isMlstackError(failures[0]?.error)).toBe(true);
  });
});

describe("a principal's view cannot step around its checks", () => {
  it("hands out only guarded bricks from entries()", async () => {
    await using stack = await stackWithRepos();
    const view = stack.as({ id: "nobody", roles: ["none"] });
    const data = view.entries().find((e) => e.slot === "data")?.brick as typeof stack.data;
    await denied(data.deleteRepo("other"));
    expect((await stack.data.listRepos()).map((r) => r.name)).toContain("other");
  });

  it("needs stack:admin to speak for another principal, and for checkHealth", async () => {
    await using stack = await stackWithRepos();
    const reader = stack.as({ id: "reader", roles: ["reader"] });
    expect(() => reader.as({ id: "root", roles: ["admin"] })).toThrow(
      expect.objectContaining({ code: "PERMISSION_DENIED", message: expect.stringContaining("stack:admin") }),
    );
    await denied(reader.checkHealth());
    const admin = stack.as({ id: "root", roles: ["admin"] });
    expect(admin.as({ id: "reader", roles: ["reader"] }).principal?.id).toBe("reader");
    expect((await admin.checkHealth()).status).toBe("ok");
  });

  it("may listen to the stack's events but not emit them", async () => {
    await using stack = await stackWithRepos();
    const reader = stack.as({ id: "reader", roles: ["reader"] });
    const seen: AccessDecision[] = [];
    reader.events.on("access", (d) => seen.push(d));
    await reader.data.listRepos();
    expect(seen.map((d) => d.operation)).toContain("data.listRepos");
    expect(() => reader.events.emit("access", seen[0] as AccessDecision)).toThrow(
      expect.objectContaining({ code: "PERMISSION_DENIED" }),
    );
  });
});
