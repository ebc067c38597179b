import { defineConfig } from "vitest/config";

// Two projects: fast unit tests, and integration tests that start real servers
// (the emulator on a loopback port, git repos in temp dirs, a kube-apiserver).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
