import { ManualClock } from "@mlstack/core";
import { describe, expect, it } from "vitest";
import { createMemoryMonitor, renderDriftReport } from "../src/index.js";

const VOID = new Set(["meta", "br", "img", "input", "link", "hr"]);
const ENTITIES: Record<string, string> = { "&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"', "&#39;": "'" };
const decode = (s: string) => s.replace(/&lt;|&gt;|&amp;|&quot;|&#39;/g, (e) => ENTITIES[e] as string);

// A small HTML reader: checks that tags nest and close properly (SVG elements included) and collects
// the elements, so the test looks at the structure, not at substrings.
function parseHtml(html: string): { tag: string; attrs: string; text: string }[] {
  const elements: { tag: string; attrs: string; text: string }[] = [];
  const stack: { tag: string; attrs: string; start: number }[] = [];
  const re = /<(\/?)([a-zA-Z][\w-]*)([^>]*?)(\/?)>|<!doctype[^>]*>/gi;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    if (!m[2]) continue;
    const [, closing, rawTag, attrs = "", selfClosing] = m;
    const tag = (rawTag as string).toLowerCase();
    if (closing) {
      const open = stack.pop();
      expect(open?.tag, `</${tag}> closes <${open?.tag}>`).toBe(tag);
      const inner = decode(html.slice(open!.start, m.index).replace(/<[^>]+>/g, ""));
      elements.push({ tag, attrs: open!.attrs, text: inner });
    } else if (selfClosing || VOID.has(tag)) {
      elements.push({ tag, attrs, text: "" });
    } else {
      stack.push({ tag, attrs, start: re.lastIndex });
    }
  }
  expect(stack.map((s) => s.tag)).toEqual([]);
  return elements;
}

describe("renderDriftReport", () => {
  it("renders a self-contained page with the statistics table, verdicts and one SVG histogram per column", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const monitor = createMemoryMonitor({ clock });
    const deployment = { kind: "deployment", name: "churn <prod>" } as const;
    await monitor.registerDeployment({
      deployment,
      schema: {
        fields: [
          { name: "age", type: "float64" },
          { name: "plan", type: "string" },
        ],
      },
    });
    await monitor.setReference(deployment, {
      rows: Array.from({ length: 200 }, (_, i) => ({ age: 20 + (i % 40), plan: i % 4 ? "free" : "pro" })),
      trainingSet: { kind: "training-set", id: "ts-7", contentHash: "h" },
    });
    await monitor.log(
      deployment,
      Array.from({ length: 200 }, (_, i) => ({ features: { age: 45 + (i % 40), plan: i % 4 ? "free" : "pro" } })),
    );
    const result = await monitor.drift(await monitor.windowAt(deployment, clock.now()));
    const html = renderDriftReport(result);

    expect(html.startsWith("<!doctype html>")).toBe(true);
    const elements = parseHtml(html);
    // Self-contained: no scripts, no external resources.
    expect(elements.some((e) => e.tag === "script" || e.tag === "link" || e.tag === "img")).toBe(false);
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
    expect(elements.find((e) => e.tag === "title")?.text).toBe("Drift report: churn <prod>");
    expect(html).toContain("churn &lt;prod&gt;");

    const rows = elements.filter((e) => e.tag === "tr" && e.attrs.includes("class="));
    expect(rows).toHaveLength(2);
    const cells = (row: { text: string }) => row.text;
    const age = rows.find((r) => cells(r).startsWith("age"));
    expect(age?.attrs).toContain('class="drift"');
    expect(cells(age!)).toContain("ks");
    expect(cells(age!)).toMatch(/drift$/);
    const plan = rows.find((r) => cells(r).startsWith("plan"));
    expect(plan?.attrs).toContain('class="no-drift"');
    expect(elements.find((e) => e.attrs.includes('id="dataset-verdict"'))?.text).toContain(
      "Data set: drift, 1 of 2 columns",
    );
    expect(html).toContain("training set ts-7");

    const svgs = elements.filter((e) => e.tag === "svg");
    expect(svgs).toHaveLength(2);
    const rects = elements.filter((e) => e.tag === "rect");
    // Numeric: 20 equal-width bins, two bars each; categorical: 2 categories, two bars each.
    expect(rects).toHaveLength(2 * 20 + 2 * 2);
    expect(rects.every((r) => /height="\d+(\.\d)?"/.test(r.attrs))).toBe(true);
    expect(elements.filter((e) => e.tag === "title").map((t) => t.text)).toContain("pro current 25.0%");

    // From profiles the KS cell shows the interval the sketches allow.
    const fromProfiles = renderDriftReport(
      await monitor.drift(await monitor.windowAt(deployment, clock.now()), { source: "profile" }),
    );
    const ageRow = parseHtml(fromProfiles).find((e) => e.tag === "tr" && e.text.startsWith("age"));
    expect(ageRow?.text).toMatch(/0\.\d{4} – 0\.\d{4}/);
    expect(fromProfiles).toContain("computed from profile data");
  });
});
