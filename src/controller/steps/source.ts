import type { IvrPromotionSpec } from "../../api/ivr-promotion.js";
import type { GitCheckout, GitSource } from "../../source/index.js";
import { readGitAuth, type SecretReader } from "../credentials.js";

/**
 * Fetches the flow set's commit. The revision reported everywhere (status, events, the plan and
 * its hash) is the Flux form `GitCheckout.revision`: `<branch or tag>@sha1:<sha>`, or `sha1:<sha>`
 * when `spec.source.ref.commit` pins a commit.
 */
export async function fetchSource(
  source: GitSource,
  spec: IvrPromotionSpec,
  secrets: SecretReader,
): Promise<GitCheckout> {
  const auth = spec.source.secretRef ? await readGitAuth(secrets, spec.source.secretRef.name) : undefined;
  const { branch, tag, commit } = spec.source.ref;
  const ref = commit ? { commit } : tag ? { tag } : { branch };
  return source.checkout({ url: spec.source.url, ref, ...(auth ? { auth } : {}) });
}
