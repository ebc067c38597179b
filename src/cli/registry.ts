import type { Command } from "./command.js";

/**
 * The commands `main.ts` dispatches to. Each lives in its own file under src/cli and is
 * loaded lazily, so `ivr-promoter lint` does not pay for loading the operator.
 */
export const COMMANDS: Record<string, () => Promise<Command>> = {};
