import { defaultServerConditions } from "vite";
import { defineConfig } from "vitest/config";

// Workspace packages resolve to their TypeScript source through the "@mlstack/source" export
// condition, so `npm test` needs no build step. Vite's default server conditions stay after it:
// replacing them (e.g. with "import") makes CommonJS packages such as pg load ESM builds through
// require(), which breaks them.
const conditions = ["@mlstack/source", ...defaultServerConditions];

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
