#!/usr/bin/env node
// The npm `bin` entry. It runs the compiled CLI when `npm run build` has produced dist/, and otherwise
// the TypeScript sources through tsx (a devDependency), so `npx ivr-promoter` and `npm link` work
// straight after `npm ci` without a build step.
import { spawn } from "node:child_process";
import process from "node:process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "main.js");
const args = existsSync(built)
  ? [built]
  : ["--import", import.meta.resolve("tsx"), join(root, "src", "main.ts")];
// A child process rather than an import: tsx must be registered before the entry module loads.
const child = spawn(process.execPath, [...args, ...process.argv.slice(2)], { stdio: "inherit" });
// Signals sent to this process alone (kill PID, a supervisor) reach the CLI, which stops cleanly.
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));
child.on("error", (err) => {
  process.stderr.write(`ivr-promoter: cannot start node: ${err.message}\n`);
  process.exit(2);
});
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
