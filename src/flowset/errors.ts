import { PromoterError } from "../errors.js";

/** Where in a flow file something went wrong; every part is optional because not every error has all. */
export interface FlowLocation {
  file?: string | undefined;
  line?: number | undefined;
  /** The flow name, when already known. */
  flow?: string | undefined;
  /** The YAML field (dotted path) at fault. */
  field?: string | undefined;
}

/** Formats a location as `file:line: flow "X": field a.b:` (parts that are unknown are left out). */
export function formatLocation(loc: FlowLocation): string {
  const where = loc.file
    ? `${loc.file}${loc.line ? `:${loc.line}` : ""}`
    : loc.line
      ? `line ${loc.line}`
      : "";
  const parts = [where, loc.flow ? `flow "${loc.flow}"` : "", loc.field ? `field ${loc.field}` : ""];
  return parts.filter(Boolean).join(": ");
}

/** What exactly made a file unreadable as a flow (lint reports it as the finding code). */
export type FlowParseProblem = "InvalidYaml" | "AliasBomb" | "TooLarge" | "NotAFlow" | "MissingName";

/** A flow file that cannot be read as an Architect flow: bad YAML, alias bomb, too large, not a flow, no name. */
export class FlowParseError extends PromoterError {
  readonly location: FlowLocation;
  readonly problem: FlowParseProblem;
  /** The message without the location prefix. */
  readonly detail: string;

  constructor(problem: FlowParseProblem, location: FlowLocation, detail: string) {
    const where = formatLocation(location);
    super("FlowParse", "Stalled", where ? `${where}: ${detail}` : detail);
    this.location = location;
    this.problem = problem;
    this.detail = detail;
  }
}

/** Placeholder substitution failed (unresolved placeholder, unknown key, empty value). */
export class RenderError extends PromoterError {
  readonly location: FlowLocation;

  constructor(location: FlowLocation, problem: string) {
    const where = formatLocation(location);
    super("Render", "Stalled", where ? `${where}: ${problem}` : problem);
    this.location = location;
  }
}

/** The flows of a set (plus manifest `dependsOn` edges) reference each other in a cycle. */
export class DependencyCycleError extends PromoterError {
  /** The flows of the cycle, first repeated at the end (`[A, B, A]`). */
  readonly cycle: string[];

  constructor(cycle: string[], message: string) {
    super("DependencyCycle", "Stalled", message);
    this.cycle = cycle;
  }
}

/** A flow set has errors (lint findings of severity error); the message lists the first few. */
export class FlowSetInvalidError extends PromoterError {
  constructor(message: string) {
    super("FlowSetInvalid", "Stalled", message);
  }
}
