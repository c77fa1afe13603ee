import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript source through the "@mlstack/source" export
// condition, so `npm test` needs no build step.
const conditions = ["@mlstack/source", "node", "import", "module", "default"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@mlstack/source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
