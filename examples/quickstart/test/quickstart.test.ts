import { expect, it } from "vitest";
import { runQuickstart } from "../src/main.js";

it("reports every incompatibility between the feature schema and the model signature", () => {
  const lines: string[] = [];
  const result = runQuickstart((l) => lines.push(l));
  expect(result.compatible).toBe(false);
  const text = lines.join("\n");
  expect(text).toContain("LOSSY_CONVERSION");
  expect(text).toContain("MISSING_FIELD");
  expect(text).toMatch(/run:[0-9a-f-]{36}/);
});
