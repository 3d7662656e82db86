import { defineConfig } from "vitest/config";

// One run for the whole repository: every package and app with a vitest.config.ts is a project.
export default defineConfig({
  test: {
    projects: ["packages/*/vitest.config.ts", "apps/*/vitest.config.ts", "e2e/vitest.config.ts"],
    reporters: ["default"],
  },
});
