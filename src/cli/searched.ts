import { join } from "node:path";
import { LayoutError } from "../flowset/layout-file.js";

/**
 * A missing environment file, with the directory that was searched: the layout names the file
 * relative to the flow set, which does not tell a user that `--dir .` pointed at the wrong place.
 */
export function withSearchedDir(err: unknown, root: string, path: string, env: string): unknown {
  if (!(err instanceof LayoutError) || !err.file?.endsWith(`environments/${env}.yaml`)) return err;
  return new LayoutError(
    err.file,
    `${err.message.slice(err.file.length + 2)} in ${join(root, path, "environments")}`,
  );
}
