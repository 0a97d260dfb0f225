import { defineConfig } from "vitest/config";

const projects = [
  "packages/imsg-rpc",
  "packages/channel-core",
  "packages/imessage-channel",
  "packages/remote-ssh",
  "packages/imsg-sim",
  "packages/state-postgres",
  "apps/gateway",
  "apps/cli",
  "tests-e2e",
];

export default defineConfig({
  resolve: { conditions: ["@imgate/source"] },
  ssr: { resolve: { conditions: ["@imgate/source"] } },
  test: {
    // Two cores: tests spawn real processes, so keep file-level parallelism modest.
    reporters: ["default", "./scripts/summary-reporter.ts"],
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: projects.map((root) => ({
      extends: true,
      test: {
        name: root.split("/").at(-1) as string,
        root,
        include: ["src/**/*.test.ts"],
      },
    })),
  },
});
