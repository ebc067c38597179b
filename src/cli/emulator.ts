import { parseArgs } from "node:util";
import { DEFAULT_SEED, loadSeedFile, startEmulator } from "../emulator/index.js";
import { UsageError, type Command } from "./command.js";
import { portError } from "./exit-codes.js";

/** The emulator's port unless --port says otherwise; 8080 is the operator's metrics port. */
export const DEFAULT_EMULATOR_PORT = 8787;

const HELP = `usage: ivr-promoter emulator [--port N] [--host H] [--state FILE]

Runs the Genesys Cloud emulator until interrupted (Ctrl-C).
  --port N      port to listen on (default 8787, clear of the operator's :8080; 0 picks a free one)
  --host H      address to bind (default 127.0.0.1)
  --state FILE  seed file (YAML or JSON): orgs, OAuth clients, objects, flows, faults
                (default: one org "dev" with client emulator-client / emulator-secret)`;

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_EMULATOR_PORT;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535)
    throw new UsageError(`emulator: --port must be an integer 0..65535, got '${raw}'`);
  return port;
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** `ivr-promoter emulator`: serves the emulator, prints its URL and the orgs' client ids, stops on the abort signal. */
export const emulatorCommand: Command = {
  name: "emulator",
  summary: "run the Genesys Cloud emulator (API, login, presigned S3 and admin on one port)",
  async run(argv, ctx) {
    let values: { port?: string; host?: string; state?: string; help?: boolean };
    try {
      ({ values } = parseArgs({
        args: argv,
        options: {
          port: { type: "string", short: "p" },
          host: { type: "string" },
          state: { type: "string" },
          help: { type: "boolean", short: "h" },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (err) {
      throw new UsageError(`emulator: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (values.help) {
      ctx.stdout.write(`${HELP}\n`);
      return 0;
    }
    const port = parsePort(values.port);
    const seed = values.state ? await loadSeedFile(values.state) : DEFAULT_SEED;
    const host = values.host ?? "127.0.0.1";
    const emulator = await startEmulator({
      port,
      host,
      seed,
      logger: ctx.logger.child({ component: "emulator" }),
    }).catch((err: unknown) => {
      throw portError(err, `emulator: ${host}:${port}`, "--port");
    });
    ctx.stdout.write(`Genesys Cloud emulator listening on ${emulator.url}\n`);
    for (const org of seed.orgs ?? []) {
      const clients = (org.clients ?? []).map((c) => c.id).join(", ") || "(no clients)";
      ctx.stdout.write(`  org ${org.name}: clients ${clients}\n`);
    }
    await aborted(ctx.signal);
    await emulator.close();
    ctx.stdout.write("emulator stopped\n");
    return 0;
  },
};
