import { join } from "node:path";
import { LayoutError } from "../flowset/layout-file.js";

/**
 * A missing environment file, with the directory that was searched: the layout names the file
 * relative to the flow set, which does not tell a user that `--dir .` pointed at the wrong place.
 */
export function withSearchedDir(err: unknown, root: string, path: string, env: string): unknown {
  if (!(err instanceof LayoutError) || !err.file?.endsWith(`environments/${env}.yaml`)) return err;
  const message = err.message.slice(err.file.length + 2);
  const where = ` in ${join(root, path, "environments")}`;
  const at = message.indexOf(" (");
  return new LayoutError(
    err.file,
    at < 0 ? `${message}${where}` : `${message.slice(0, at)}${where}${message.slice(at)}`,
  );
}
