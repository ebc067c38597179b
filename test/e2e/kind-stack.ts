/**
 * Where test/e2e/kind-e2e.sh puts things on kind (test/e2e/kind/stack.yaml and the chart's release
 * `ivr-promoter` in ivr-promoter-system). test/unit/deploy/kind-e2e.test.ts keeps the three in step.
 */
export const KIND_STACK = {
  /** Namespace of the emulator and the git daemon. */
  namespace: "ivr-e2e",
  /** The examples/ flow set, served by the git daemon Deployment, as the operator sees it. */
  gitUrl: "git://ivr-e2e-git.ivr-e2e.svc.cluster.local/flows",
  /** The emulator Service, as the operator sees it. */
  emulatorUrl: "http://genesys-emulator.ivr-e2e.svc.cluster.local:8787",
  /** The emulator, from the test machine, through the API server's service proxy. */
  emulatorProxy: "/api/v1/namespaces/ivr-e2e/services/http:genesys-emulator:8787/proxy",
  /** The operator's /metrics, through the service proxy (chart release `ivr-promoter`). */
  metricsProxy:
    "/api/v1/namespaces/ivr-promoter-system/services/http:ivr-promoter-metrics:http-metrics/proxy/metrics",
} as const;
