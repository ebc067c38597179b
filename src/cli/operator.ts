import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { startHttpServer } from "../controller/http-server.js";
import { Operator } from "../controller/operator.js";
import { createIvrPromotionReconciler } from "../controller/reconciler.js";
import { RateLimiterRegistry } from "../genesys/index.js";
import { Metrics } from "../metrics.js";
import type { Command } from "./command.js";
import { ConfigError, portError } from "./exit-codes.js";
import { OPERATOR_HELP, parseOperatorArgs } from "./operator-args.js";

/** Mounted into every pod that has a ServiceAccount token: the sign of running in a cluster. */
const IN_CLUSTER_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * --kubeconfig, else in-cluster, else client-node's default loading ($KUBECONFIG, ~/.kube/config).
 * Without any of them client-node would silently aim at http://localhost:8080, so that is a config
 * error naming the places looked at, as kubectl's "no configuration has been provided" is.
 */
function loadKubeConfig(path: string | undefined, envList: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path) {
    if (!existsSync(path)) throw new ConfigError("KubeconfigMissing", `--kubeconfig ${path}: no such file`);
    kc.loadFromFile(path);
    return kc;
  }
  if (existsSync(IN_CLUSTER_TOKEN)) {
    kc.loadFromCluster();
    return kc;
  }
  const candidates = envList
    ? envList.split(delimiter).filter(Boolean)
    : [join(homedir(), ".kube", "config")];
  if (!candidates.some((f) => existsSync(f))) {
    const where = envList ? `$KUBECONFIG (${envList})` : candidates[0];
    throw new ConfigError(
      "KubeconfigMissing",
      `no kubeconfig: nothing at ${where} and not in a cluster; give --kubeconfig FILE or set KUBECONFIG`,
    );
  }
  kc.loadFromDefault();
  return kc;
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** `ivr-promoter operator`: watches IvrPromotions and reconciles them until SIGINT/SIGTERM. */
export const operatorCommand: Command = {
  name: "operator",
  summary: "run the IvrPromotion operator (watch, leader election, /metrics, /healthz, /readyz)",
  async run(argv, ctx) {
    const args = parseOperatorArgs(argv, ctx.env);
    if (args.help) {
      ctx.stdout.write(`${OPERATOR_HELP}\n`);
      return 0;
    }
    const kubeConfig = loadKubeConfig(args.kubeconfig, ctx.env.kubeconfig);
    const logger = ctx.logger;
    const metrics = new Metrics({ defaultMetrics: true });
    // The reconciler asks the operator (built next, around it) for the right to write, lazily: the
    // closures below run only once the operator has started.
    const writer = `${args.identity}/${randomUUID().slice(0, 8)}`;
    const reconciler = createIvrPromotionReconciler({
      kubeConfig,
      logger,
      metrics,
      gitCacheDir: args.gitCacheDir,
      limiters: new RateLimiterRegistry(),
      writeRight: {
        identity: writer,
        term: () => operator.leaderTerm(),
        valid: () => operator.holdsWriteRight(),
      },
      tenancy: args.tenancy,
      identity: args.identity,
    });
    const operator: Operator = new Operator({
      kubeConfig,
      reconciler,
      logger,
      metrics,
      namespaces: args.namespaces,
      labelSelector: args.labelSelector,
      concurrency: args.concurrency,
      leaderElection: args.leaderElect
        ? {
            lease: { name: args.leaseName, namespace: args.leaseNamespace },
            identity: args.identity,
            leaseDurationMs: args.leaseDurationMs,
            renewDeadlineMs: args.renewDeadlineMs,
            retryPeriodMs: args.retryPeriodMs,
          }
        : undefined,
      // The IvrPromotion reconciler records reconcile totals and durations itself (condition-aware).
      recordReconcileMetrics: false,
    });
    const http = await startHttpServer({
      host: args.httpHost,
      port: args.httpPort,
      registry: metrics.registry,
      healthz: () => operator.healthz(),
      readyz: () => operator.readyz(),
      beforeScrape: () => operator.refreshMetrics(),
      logger,
    }).catch((err: unknown) => {
      throw portError(err, `--http-addr ${args.httpHost ?? ""}:${args.httpPort}`, "--http-addr");
    });
    operator.start();
    logger.info(
      {
        namespaces: args.namespaces.length > 0 ? args.namespaces : "all",
        labelSelector: args.labelSelector,
        leaderElection: args.leaderElect ? `${args.leaseNamespace}/${args.leaseName}` : false,
        identity: args.identity,
        allowedEndpoints: args.tenancy.allowedEndpoints,
        allowInsecureHttp: args.tenancy.source.allowInsecureHttp,
        allowLocalGit: args.tenancy.source.allowLocal,
        allowCrossNamespaceRefs: args.tenancy.allowCrossNamespaceRefs,
        defaultServiceAccount: args.tenancy.defaultServiceAccount ?? false,
      },
      "operator started",
    );
    ctx.stdout.write(`ivr-promoter operator: metrics and probes on ${http.url}\n`);
    await aborted(ctx.signal);
    logger.info("stopping operator");
    await operator.stop();
    await http.close();
    ctx.stdout.write("ivr-promoter operator: stopped\n");
    return 0;
  },
};
