import type { Command } from "./command.js";

/**
 * The commands `main.ts` dispatches to. Each lives in its own file under src/cli and is
 * loaded lazily, so `ivr-promoter lint` does not pay for loading the operator.
 */
export const COMMANDS: Record<string, () => Promise<Command>> = {
  emulator: async () => (await import("./emulator.js")).emulatorCommand,
  operator: async () => (await import("./operator.js")).operatorCommand,
  lint: async () => (await import("./lint.js")).lintCommand,
  plan: async () => (await import("./plan.js")).planCommand,
  apply: async () => (await import("./apply.js")).applyCommand,
  demo: async () => (await import("./demo.js")).demoCommand,
  export: async () => (await import("./export.js")).exportCommand,
  diff: async () => (await import("./diff.js")).diffCommand,
};
