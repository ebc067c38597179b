import { z } from "zod";
import { ConditionSchema, ConditionType, findCondition } from "../../api/conditions.js";
import type { IvrPromotion } from "../../api/ivr-promotion.js";
import { PromoterError } from "../../errors.js";
import { getPromotionRaw, type KubeApis } from "../kube-clients.js";
import type { ObjectRef } from "../types.js";

/**
 * The dependsOn gate (Flux's): every listed IvrPromotion must be Ready=True for its current
 * generation, i.e. it has applied what its spec says now, not what it said before an edit.
 */

/** Flux's `--requeue-dependency`: how long to wait before checking the dependencies again. */
export const DEPENDENCY_REQUEUE_MS = 30_000;
/** How far a dependsOn chain is followed when looking for a loop. */
const MAX_CHAIN = 64;

/** Just the parts of another IvrPromotion the gate reads; its spec may be anything. */
const DependencyViewSchema = z.object({
  metadata: z.object({ generation: z.int().optional() }),
  spec: z
    .object({
      dependsOn: z.array(z.object({ name: z.string(), namespace: z.string().optional() })).optional(),
    })
    .optional(),
  status: z
    .object({ observedGeneration: z.int().optional(), conditions: z.array(ConditionSchema).optional() })
    .optional(),
});
type DependencyView = z.infer<typeof DependencyViewSchema>;

/** The dependsOn list forms a loop: no member can ever become Ready. Fix the specs. */
export class DependencyLoopError extends PromoterError {
  constructor(chain: string[]) {
    super("DependencyLoop", "Stalled", `spec.dependsOn forms a loop: ${chain.join(" -> ")}`);
  }
}

/**
 * A dependsOn entry names another namespace and the operator runs without
 * `--allow-cross-namespace-refs` (Flux's multi-tenancy lockdown). The message names only what the
 * object's own editor wrote: nothing is read from the other namespace, so nothing about it can leak
 * (not whether the object exists, nor its state).
 */
export class CrossNamespaceRefError extends PromoterError {
  constructor(index: number, namespace: string) {
    super(
      "CrossNamespaceRefNotAllowed",
      "Stalled",
      `spec.dependsOn[${index}]: a reference to namespace "${namespace}" is not allowed; ` +
        "the operator refuses cross-namespace references unless started with --allow-cross-namespace-refs",
    );
  }
}

/**
 * Why the first dependency is not ready, or undefined when all are. Throws {@link DependencyLoopError},
 * and {@link CrossNamespaceRefError} before reading anything when a cross-namespace entry is refused.
 */
export async function unreadyDependency(
  apis: KubeApis,
  obj: IvrPromotion,
  allowCrossNamespace = false,
): Promise<string | undefined> {
  const self: ObjectRef = { namespace: obj.metadata.namespace ?? "", name: obj.metadata.name };
  const deps = obj.spec.dependsOn ?? [];
  if (!allowCrossNamespace) {
    const index = deps.findIndex((d) => d.namespace !== undefined && d.namespace !== self.namespace);
    if (index >= 0) throw new CrossNamespaceRefError(index, deps[index]!.namespace!);
  }
  for (const dep of deps) {
    const ref = { namespace: dep.namespace ?? self.namespace, name: dep.name };
    await assertNoLoop(apis, self, ref, allowCrossNamespace);
    const view = await read(apis, ref);
    const why = view ? notReadyReason(view) : "not found";
    if (why) return `dependency ${key(ref)} is ${why}`;
  }
  return undefined;
}

/** undefined when `view` is Ready=True for its current generation, else why not. */
export function notReadyReason(view: DependencyView): string | undefined {
  const generation = view.metadata.generation;
  const ready = findCondition(view.status?.conditions, ConditionType.Ready);
  if (ready?.status !== "True") return `not ready (${ready?.reason ?? "no Ready condition yet"})`;
  const observed = view.status?.observedGeneration;
  if (
    generation !== undefined &&
    (observed !== generation || (ready.observedGeneration ?? generation) !== generation)
  ) {
    return `not ready for its latest generation ${generation} (observed ${observed ?? "none"})`;
  }
  return undefined;
}

async function read(apis: KubeApis, ref: ObjectRef): Promise<DependencyView | undefined> {
  const raw = await getPromotionRaw(apis, ref);
  if (raw === undefined) return undefined;
  const parsed = DependencyViewSchema.safeParse(raw);
  return parsed.success ? parsed.data : { metadata: {} };
}

/**
 * Follows dependsOn from `start`; reaching `self` again means a loop. Without cross-namespace refs the
 * walk stays in `self`'s namespace: such an edge can never be followed by the gate anyway, and a loop
 * message must not name objects of a namespace the editor cannot see.
 */
async function assertNoLoop(
  apis: KubeApis,
  self: ObjectRef,
  start: ObjectRef,
  allowCrossNamespace: boolean,
): Promise<void> {
  const seen = new Set<string>();
  const queue: Array<{ ref: ObjectRef; chain: string[] }> = [{ ref: start, chain: [key(self), key(start)] }];
  while (queue.length > 0 && seen.size < MAX_CHAIN) {
    const { ref, chain } = queue.shift()!;
    if (key(ref) === key(self)) throw new DependencyLoopError(chain);
    if (seen.has(key(ref))) continue;
    seen.add(key(ref));
    const view = await read(apis, ref);
    for (const next of view?.spec?.dependsOn ?? []) {
      const nextRef = { namespace: next.namespace ?? ref.namespace, name: next.name };
      if (!allowCrossNamespace && nextRef.namespace !== self.namespace) continue;
      queue.push({ ref: nextRef, chain: [...chain, key(nextRef)] });
    }
  }
}

function key(ref: ObjectRef): string {
  return `${ref.namespace}/${ref.name}`;
}
