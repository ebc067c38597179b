import { commonModuleYaml, inboundCallYaml } from "../../helpers/seeds.js";
import type { RepoFiles } from "../../helpers/git-repo.js";

/** A flow repository in the documented layout, with dev and prod environments. */
export function layoutFiles(overrides: RepoFiles = {}): RepoFiles {
  return {
    "flows/shared-greeting.yaml": commonModuleYaml("Shared Greeting"),
    "flows/billing-line.yaml": inboundCallYaml("{{billing_flow}}", { queue: "{{sales_queue}}" }),
    "flows/main-menu.yaml": inboundCallYaml("Main Menu", {
      queue: "{{support_queue}}",
      dataAction: { category: "Web Services", name: "Lookup Account" },
      commonModule: "Shared Greeting",
      transferToFlow: "{{billing_flow}}",
    }),
    "environments/dev.yaml":
      "values:\n  support_queue: Support\n  sales_queue: Sales\n  billing_flow: Billing Line\n",
    "environments/prod.yaml":
      "values:\n  support_queue: Support\n  sales_queue: Sales\n  billing_flow: Billing\n",
    ...overrides,
  };
}
