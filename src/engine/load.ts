import { buildFlowSet, type FlowSet } from "../flowset/flow-set.js";
import { FlowSetInvalidError } from "../flowset/errors.js";
import { formatFinding, hasErrors, type Finding } from "../flowset/findings.js";
import { loadRepoLayout } from "../flowset/layout.js";
import { desiredFromFlowSet } from "./desired.js";
import { CycleRejectedError } from "./errors.js";
import type { DesiredFlow } from "./model.js";

/** What to do with a dependency cycle between flows: refuse it (default) or break it with stub flows. */
export type CyclePolicy = "Reject" | "BreakWithStubs";

/** A flow set read from a checkout and rendered for one environment. */
export interface LoadedFlowSet {
  flowSet: FlowSet;
  desired: DesiredFlow[];
  /** Findings that do not block (unused keys, ...). */
  warnings: Finding[];
}

/**
 * Reads `<root>/<path>` in the repository layout, renders it for `environment` and checks it.
 * Any error finding of any file fails the load with every error listed (one per line), since
 * a person fixing the repo wants all of them at once.
 */
export async function loadDesired(
  root: string,
  path: string,
  environment: string,
  secrets: Readonly<Record<string, string>> = {},
  options: { cyclePolicy?: CyclePolicy } = {},
): Promise<LoadedFlowSet> {
  const layout = await loadRepoLayout(root, path, environment, secrets);
  const flowSet = buildFlowSet({ ...layout, environment, valuesFile: layout.environment.file });
  const errors = flowSet.findings.filter((f) => f.severity === "error");
  if (hasErrors(flowSet.findings)) {
    // A cycle alone gets its own error so the operator can say CycleDetected, unless the policy
    // breaks cycles with stubs: then the plan cuts the cycle and the set goes through.
    const cycle = errors.find((f) => f.code === "DependencyCycle");
    if (cycle && errors.length === 1) {
      if (options.cyclePolicy === "BreakWithStubs") return result(flowSet);
      throw new CycleRejectedError(formatFinding(cycle));
    }
    const shown = errors.slice(0, 20).map(formatFinding);
    const more = errors.length > 20 ? [`… and ${errors.length - 20} more`] : [];
    throw new FlowSetInvalidError(
      `flow set ${path} (environment ${environment}) has ${errors.length} error(s):\n${[...shown, ...more].join("\n")}`,
    );
  }
  return result(flowSet);
}

function result(flowSet: FlowSet): LoadedFlowSet {
  const warnings = flowSet.findings.filter((f) => f.severity !== "error");
  return { flowSet, desired: desiredFromFlowSet(flowSet), warnings };
}
