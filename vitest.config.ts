import { defineConfig } from "vitest/config";

// Projects: fast unit tests; integration tests that start real servers
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
      {
        // test/e2e: the whole product through the Kubernetes API; here against envtest, on kind with
        // IVR_E2E_KIND=1 (test/e2e/kind-e2e.sh).
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.e2e.test.ts"],
          environment: "node",
          testTimeout: 600_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
