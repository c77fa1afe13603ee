import { Console } from "node:console";
import { Writable } from "node:stream";
import { inspect } from "node:util";
import { isMlstackError, MlstackError } from "@mlstack/core";
import { describe, expect, it } from "vitest";
import { createTestStack, defineStack, isSecretRef, redactSecrets, SecretRef } from "../src/index.js";

const SECRET = "hunter2-S3CRET-7f3a9c";
const ENV_SECRET = "env-S3CRET-b41d02";

/** Everything a user could print, log or serialise, as one string to search. */
function printed(...values: unknown[]): string {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const console = new Console({ stdout: sink, stderr: sink });
  for (const value of values) {
    console.log(value);
    console.error("%s %o %O %j", value, value, value, value);
    console.dir(value, { depth: 10, showHidden: true });
    chunks.push(inspect(value, { depth: 10, showHidden: true, getters: true }));
    chunks.push(String(value), `${value}`);
    try {
      chunks.push(JSON.stringify(value) ?? "");
    } catch (error) {
      chunks.push(String(error));
    }
  }
  return chunks.join("\n");
}

function config(env: NodeJS.ProcessEnv = {}) {
  return {
    database: {
      host: "db.internal",
      password: SecretRef.value(SECRET, "database password"),
      urls: [SecretRef.env("MLSTACK_TEST_DB_URL", env)],
    },
    token: SecretRef.value(SECRET),
  };
}

describe("SecretRef", () => {
  it("is caught by the search when a value does leak (the search itself works)", () => {
    expect(printed({ leaked: SECRET })).toContain(SECRET);
    expect(printed(new MlstackError("INTERNAL", "x", { details: { leaked: ENV_SECRET } }))).toContain(ENV_SECRET);
  });

  it("gives its value only through reveal()", () => {
    const secret = SecretRef.value(SECRET, "api token");
    expect(secret.reveal()).toBe(SECRET);
    expect(SecretRef.env("MLSTACK_TEST_TOKEN", { MLSTACK_TEST_TOKEN: ENV_SECRET }).reveal()).toBe(ENV_SECRET);
    expect(isSecretRef(secret)).toBe(true);
    expect(isSecretRef({ label: "api token" })).toBe(false);
    const out = printed(secret, [secret], { secret }, new Map([["k", secret]]));
    expect(out).not.toContain(SECRET);
    expect(out).toContain("[secret]");
    expect(out).toContain("SecretRef(api token)");
  });

  it("reports an unset variable as FAILED_PRECONDITION naming the label, never a value", () => {
    const secret = SecretRef.env("MLSTACK_TEST_UNSET", { MLSTACK_TEST_OTHER: ENV_SECRET });
    let error: unknown;
    try {
      secret.reveal();
    } catch (e) {
      error = e;
    }
    expect(isMlstackError(error, "FAILED_PRECONDITION")).toBe(true);
    expect((error as MlstackError).message).toContain("env:MLSTACK_TEST_UNSET");
    expect(printed(error, (error as MlstackError).details, (error as MlstackError).toJSON())).not.toContain(ENV_SECRET);
  });

  it("redactSecrets replaces every SecretRef in plain data", () => {
    const redacted = redactSecrets(config({ MLSTACK_TEST_DB_URL: ENV_SECRET }));
    expect(redacted).toEqual({
      database: { host: "db.internal", password: "[secret]", urls: ["[secret]"] },
      token: "[secret]",
    });
  });
});

describe("a stack with secrets in its configuration", () => {
  it("never prints them: JSON, toJSON, inspect, String, templates, console, validation, health", async () => {
    const cfg = config({ MLSTACK_TEST_DB_URL: ENV_SECRET });
    await using stack = await createTestStack({
      config: cfg,
      policy: { roles: { reader: ["data:read"] } },
    });
    const view = stack.as({ id: "alice", roles: ["reader"] });
    const everything = printed(
      stack,
      view,
      stack.toJSON(),
      view.toJSON(),
      cfg,
      stack.validate(),
      await stack.checkHealth(),
      stack.coverage().text,
      stack.entries(),
    );
    for (const secret of [SECRET, ENV_SECRET]) expect(everything).not.toContain(secret);
    expect(stack.toJSON().config).toEqual({
      database: { host: "db.internal", password: "[secret]", urls: ["[secret]"] },
      token: "[secret]",
    });
    // The configured value is still there for the code that opens the connection.
    expect((stack.toJSON().config as { database: { host: string } }).database.host).toBe("db.internal");
    expect(cfg.database.password.reveal()).toBe(SECRET);
  });

  it("never puts them in errors: invalid options, denied calls, events", async () => {
    const cfg = config({ MLSTACK_TEST_DB_URL: ENV_SECRET });
    const errors: unknown[] = [];
    try {
      defineStack({}, { name: "", config: cfg, healthTimeoutMs: -1 });
    } catch (error) {
      errors.push(error);
    }
    try {
      defineStack({}, { config: cfg, policy: { roles: { r: [{ permission: "data:read", resource: "[" }] } } });
    } catch (error) {
      errors.push(error);
    }
    await using stack = await createTestStack({ config: cfg, policy: { roles: { none: [] } } });
    const events: unknown[] = [];
    stack.events.on("access", (d) => events.push(d));
    try {
      await stack.as({ id: "mallory", roles: ["none"] }).metadata.createExperiment({
        name: "x",
        tags: { password: cfg.database.password.reveal() },
      });
    } catch (error) {
      errors.push(error);
    }
    expect(errors).toHaveLength(3);
    expect(errors.every((e) => isMlstackError(e))).toBe(true);
    const out = printed(...errors, ...errors.map((e) => (e as MlstackError).details), ...events);
    for (const secret of [SECRET, ENV_SECRET]) expect(out).not.toContain(secret);
  });
});
