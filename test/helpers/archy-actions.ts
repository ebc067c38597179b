/**
 * Archy task actions that reference org objects by name, as YAML lines indented for a task's
 * `actions:` list. Shared by the test seeds and the benchmark's generated flow sets.
 */

/** `callData` of data action `name` in integration `category`. */
export function callDataAction(category: string, name: string): string {
  return `          - callData:
              name: Lookup
              timeout:
                lit:
                  minutes: 1
              category:
                ${JSON.stringify(category)}:
                  dataAction:
                    ${JSON.stringify(name)}:
                      inputs: {}`;
}

/** `callCommonModule` of the common module `name`. */
export function callCommonModuleAction(name: string): string {
  return `          - callCommonModule:
              name: Common
              commonModule:
                ${JSON.stringify(name)}:
                  ver_latestPublished:
                    inputs: {}`;
}

/** `evaluateScheduleGroup` of the schedule group `name`. */
export function evaluateScheduleGroupAction(name: string): string {
  return `          - evaluateScheduleGroup:
              name: Hours
              scheduleGroup:
                lit:
                  name: ${JSON.stringify(name)}`;
}
