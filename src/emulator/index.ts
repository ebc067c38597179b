import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { silentLogger, type Logger } from "../logger.js";
import { TokenStore } from "./auth.js";
import type { ApiHandler } from "./context.js";
import { RateLimiter } from "./rate-limit.js";
import { RequestLog } from "./request-log.js";
import { adminRoutes, type AdminHandler } from "./routes/admin.js";
import { analyticsRoutes } from "./routes/analytics.js";
import { dependencyRoutes } from "./routes/dependencies.js";
import { exportJobRoutes } from "./routes/export-jobs.js";
import { flowActionRoutes } from "./routes/flow-actions.js";
import { flowRoutes } from "./routes/flows.js";
import { jobRoutes } from "./routes/jobs.js";
import { objectRoutes } from "./routes/objects.js";
import { Router } from "./router.js";
import { PresignedStore } from "./s3.js";
import { parseSeed, type EmulatorSeed } from "./seed.js";
import { publishSeedFlow } from "./seed-flows.js";
import { createRequestListener } from "./server.js";
import { EmulatorState } from "./state.js";

export {
  EmulatorSeedSchema,
  FaultsSchema,
  ObjectsSchema,
  SeedError,
  loadSeedFile,
  parseSeed,
} from "./seed.js";
export type { EmulatorSeed, Faults, OrgSeed, SeedObjects } from "./seed.js";
export type { RequestLogEntry } from "./request-log.js";

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Starting state; {@link DEFAULT_SEED} when absent. */
  seed?: EmulatorSeed;
  logger?: Logger;
}

/** A running emulator. */
export interface RunningEmulator {
  /** `http://127.0.0.1:PORT`: the API base, the login base and the admin base at once. */
  url: string;
  port: number;
  /** Stops timers, closes keep-alive sockets and the server. */
  close(): Promise<void>;
}

/** One org `dev` with client `emulator-client` / `emulator-secret`: what `ivr-promoter emulator` serves without a state file. */
export const DEFAULT_SEED: EmulatorSeed = {
  orgs: [
    { name: "dev", clients: [{ id: "emulator-client", secret: "emulator-secret", name: "Emulator client" }] },
  ],
};

function buildApiRouter(): Router<ApiHandler> {
  const router = new Router<ApiHandler>();
  flowRoutes(router);
  flowActionRoutes(router);
  jobRoutes(router);
  exportJobRoutes(router);
  dependencyRoutes(router);
  objectRoutes(router);
  analyticsRoutes(router);
  return router;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts the Genesys Cloud emulator: one HTTP server for `POST /oauth/token`, `/api/v2/...`,
 * presigned `/__s3/...` URLs and the `/__admin/...` API (CONTRACTS §3).
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const seed = parseSeed(options.seed ?? DEFAULT_SEED, "seed");
  const logger = options.logger ?? silentLogger();
  const state = new EmulatorState(logger);
  const admin = new Router<AdminHandler>();
  adminRoutes(admin);
  const deps = {
    state,
    tokens: new TokenStore(),
    rateLimiter: new RateLimiter(),
    s3: new PresignedStore(),
    log: new RequestLog(),
    api: buildApiRouter(),
    admin,
  };
  const server = createServer({ keepAliveTimeout: 5000 }, createRequestListener(deps));
  const host = options.host ?? "127.0.0.1";
  const port = await listen(server, options.port ?? 0, host);
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const close = async (): Promise<void> => {
    state.scheduler.close();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // Give in-flight requests a moment, then cut keep-alive sockets so close() cannot hang.
    const timer = setTimeout(() => server.closeAllConnections(), 250);
    await closed;
    clearTimeout(timer);
  };
  try {
    for (const [i, orgSeed] of (seed.orgs ?? []).entries()) {
      const org = state.addOrg(orgSeed);
      for (const [j, flow] of (orgSeed.flows ?? []).entries())
        publishSeedFlow(org, flow.yaml, url, `seed: orgs[${i}].flows[${j}]`);
      if (orgSeed.faults) org.faults.replace(orgSeed.faults);
    }
  } catch (err) {
    await close();
    throw err;
  }
  logger.info({ url, orgs: [...state.orgs.keys()] }, "Genesys Cloud emulator listening");
  return { url, port, close };
}
