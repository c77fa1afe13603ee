import { CANONICAL_STAGES } from "@mlstack/core";
import { createMemoryDataEngine } from "@mlstack/data";
import { createMemoryMetadataStore } from "@mlstack/metadata";
import { createServingEngine } from "@mlstack/serving";
import { describe, expect, it } from "vitest";
import { createTestStack, defineStack } from "../src/index.js";

// A small XML well-formedness check: every tag closes in order, attributes are quoted, entities known.
function checkWellFormed(xml: string): { tags: Map<string, number> } {
  const tags = new Map<string, number>();
  const open: string[] = [];
  const token =
    /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<!--[\s\S]*?-->|<!doctype html>|<|&(?:[a-z]+|#\d+);|&/gi;
  let m: RegExpExecArray | null = token.exec(xml);
  while (m !== null) {
    const [whole, close, name, , selfClose] = m;
    if (whole === "<") throw new Error(`stray "<" at ${m.index}: ${xml.slice(m.index, m.index + 40)}`);
    if (whole === "&") throw new Error(`unescaped "&" at ${m.index}`);
    if (whole.startsWith("&") && !/^&(amp|lt|gt|quot|#\d+);$/.test(whole)) throw new Error(`unknown entity ${whole}`);
    if (name !== undefined) {
      if (close === "/") {
        const top = open.pop();
        if (top !== name) throw new Error(`</${name}> closes <${top}>`);
      } else {
        tags.set(name, (tags.get(name) ?? 0) + 1);
        if (selfClose !== "/") open.push(name);
      }
    }
    m = token.exec(xml);
  }
  if (open.length > 0) throw new Error(`unclosed: ${open.join(", ")}`);
  return { tags };
}

// The light (partial) variant of a colour, as the picture draws it: 40% colour, 60% white.
function light(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(c * 0.4 + 255 * 0.6);
  return `#${[(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => mix(c).toString(16).padStart(2, "0")).join("")}`;
}

describe("stack.coverage()", () => {
  it("covers every stage but labeling and access control on the test stack, the Stack itself adding lineage", async () => {
    await using stack = await createTestStack();
    const report = stack.coverage();
    expect(report.columns.map((c) => c.path)).toEqual([
      "data",
      "features",
      "training",
      "serving",
      "metadata",
      "monitor",
      "stack",
    ]);
    expect(report.stages.map((s) => s.stage)).toEqual([...CANONICAL_STAGES]);
    expect(report.gaps).toEqual(["labeling", "access-control"]);
    expect(report.partial).toEqual(["ingestion", "transformation", "validation", "tuning", "logging"]);
    const lineage = report.stages.find((s) => s.stage === "lineage");
    expect(lineage).toEqual({
      stage: "lineage",
      level: "full",
      by: [
        { path: "data", level: "partial" },
        { path: "features", level: "partial" },
        { path: "metadata", level: "full" },
        { path: "stack", level: "full" },
      ],
    });
    expect(report.stages.find((s) => s.stage === "serving")?.by).toEqual([{ path: "serving", level: "full" }]);
    expect(new Set(report.columns.map((c) => c.color)).size).toBe(report.columns.length);
  });

  it("counts access control as the Stack's when a policy is set", async () => {
    await using stack = await createTestStack({ policy: { roles: { analyst: ["data:read"] } } });
    const report = stack.coverage();
    expect(report.gaps).toEqual(["labeling"]);
    expect(report.stages.find((s) => s.stage === "access-control")).toEqual({
      stage: "access-control",
      level: "full",
      by: [{ path: "stack", level: "full" }],
    });
  });

  it("shows the gaps of a partial stack (data and metadata only)", () => {
    const stack = defineStack({ data: createMemoryDataEngine(), metadata: createMemoryMetadataStore() });
    const report = stack.coverage();
    expect(report.columns.map((c) => [c.path, c.implementation])).toEqual([
      ["data", "memory"],
      ["metadata", "memory"],
      ["stack", "stack"],
    ]);
    expect(report.gaps).toEqual([
      "labeling",
      "feature-store",
      "training",
      "tuning",
      "deployment",
      "serving",
      "monitoring",
      "logging",
      "access-control",
    ]);
    expect(report.partial).toEqual(["ingestion", "transformation", "validation"]);
    expect(report.stages.find((s) => s.stage === "lineage")?.by.map((b) => b.path)).toEqual([
      "data",
      "metadata",
      "stack",
    ]);
  });

  it("leaves lineage to the bricks when the Stack's lineage is off", () => {
    const stack = defineStack({ metadata: createMemoryMetadataStore() }, { lineage: { enabled: false } });
    const report = stack.coverage();
    expect(report.columns.find((c) => c.path === "stack")?.coverage).toEqual({});
    expect(report.stages.find((s) => s.stage === "lineage")?.by).toEqual([{ path: "metadata", level: "full" }]);
  });

  it("gives each named brick of a slot its own column and colour", () => {
    const stack = defineStack({
      serving: { bricks: { main: createServingEngine(), canary: createServingEngine() }, default: "main" },
    });
    const report = stack.coverage();
    expect(report.columns.map((c) => c.path)).toEqual(["serving.main", "serving.canary", "stack"]);
    const [main, canary] = report.columns;
    expect(main?.color).not.toBe(canary?.color);
    expect(report.stages.find((s) => s.stage === "deployment")?.by).toEqual([
      { path: "serving.main", level: "full" },
      { path: "serving.canary", level: "full" },
    ]);
    expect(report.text).toContain("serving.main = memory, serving.canary = memory");
    expect(report.svg).toContain(canary?.color);
  });

  it("renders the matrix as an exact text table", () => {
    const stack = defineStack({ data: createMemoryDataEngine() }, { name: "tiny" });
    expect(stack.coverage().text).toBe(
      [
        'Coverage of stack "tiny"',
        "",
        "stage            data     stack  covered",
        "---------------  -------  -----  -------",
        "ingestion        partial  .      partial",
        "versioning       full     .      full",
        "lineage          partial  .      partial",
        "transformation   partial  .      partial",
        "validation       partial  .      partial",
        "labeling         .        .      GAP",
        "feature-store    .        .      GAP",
        "experimentation  .        .      GAP",
        "training         .        .      GAP",
        "tuning           .        .      GAP",
        "model-registry   .        .      GAP",
        "deployment       .        .      GAP",
        "serving          .        .      GAP",
        "monitoring       .        .      GAP",
        "logging          .        .      GAP",
        "metadata         .        .      GAP",
        "access-control   .        .      GAP",
        "",
        "bricks: data = memory",
        "gaps: labeling, feature-store, experimentation, training, tuning, model-registry, deployment, serving, monitoring, logging, metadata, access-control",
        "partial: ingestion, lineage, transformation, validation",
        "",
      ].join("\n"),
    );
  });

  it("draws a well-formed, deterministic SVG with every brick's colours, a box per stage and a legend", async () => {
    await using stack = await createTestStack({ name: 'loans <"prod"> & co' });
    const report = stack.coverage();
    const { tags } = checkWellFormed(report.svg);
    expect(report.svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    // One group per stage, each with a tooltip title, plus the picture's own title.
    expect(tags.get("g")).toBe(CANONICAL_STAGES.length);
    expect(tags.get("title")).toBe(CANONICAL_STAGES.length + 1);
    expect(report.svg).toContain("Coverage of stack &quot;loans &lt;&quot;prod&quot;&gt; &amp; co&quot;");
    for (const column of report.columns) {
      expect(report.svg).toContain(`fill="${column.color}"`);
      expect(report.svg).toContain(`fill="${light(column.color)}"`);
      const label =
        column.path === "stack" ? "stack (the composer itself)" : `${column.path} (${column.implementation})`;
      expect(report.svg).toContain(`>${label}</text>`);
    }
    // Partial coverage is drawn light: tuning is the training brick's, partly.
    const training = report.columns.find((c) => c.path === "training")?.color ?? "";
    expect(report.svg).toMatch(
      new RegExp(`<title>tuning: training \\(partial\\)</title>\\n<rect [^>]*fill="${light(training)}"`),
    );
    // Gaps are hatched.
    expect(report.svg).toMatch(
      /<title>labeling: gap \(nothing covers it\)<\/title>\n<rect [^>]*fill="url\(#[^)]*-gap\)"/,
    );
    expect(report.svg).toContain(">gap: nothing covers it</text>");
    expect(stack.coverage().svg).toBe(report.svg);
  });

  it("writes a self-contained HTML page with the picture and the table", () => {
    const stack = defineStack(
      { data: createMemoryDataEngine(), metadata: createMemoryMetadataStore() },
      { name: "a&b" },
    );
    const { html, svg, stages } = stack.coverage();
    expect(html.startsWith("<!doctype html>")).toBe(true);
    checkWellFormed(html.replace(/<meta [^>]*>/g, "").replace(/<br>/g, "<br/>"));
    expect(html).toContain(svg.trimEnd());
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|\bhref=|@import|url\(\s*["']?(?:https?:|\/\/)/i);
    expect(html).toContain("<title>Coverage of stack &quot;a&amp;b&quot;</title>");
    expect(html.match(/<tr><th scope="row">/g)).toHaveLength(stages.length);
    expect(html).toContain(
      '<tr><th scope="row">labeling</th><td class="none">·</td><td class="none">·</td><td class="none">·</td><td class="gap">gap</td></tr>',
    );
  });
});
