/** What a handler answers: a status, a JSON body (or raw bytes) and extra headers. */
export interface HttpResult {
  status: number;
  /** Serialized as JSON unless `raw` is set. */
  body?: unknown;
  /** Sent as-is (downloads, S3 XML). */
  raw?: Uint8Array | string;
  headers?: Record<string, string>;
}

/** A matched route: its handler, the templated path and the path parameters. */
export interface RouteMatch<H> {
  handler: H;
  /** Templated path, e.g. `/api/v2/flows/{flowId}` (used in the request log and for fault targeting). */
  route: string;
  params: Record<string, string>;
}

interface Route<H> {
  method: string;
  template: string;
  segments: string[];
  staticCount: number;
  handler: H;
}

/**
 * A tiny method + path-template router. Literal segments beat parameters, so
 * `/api/v2/flows/jobs` is never taken for `/api/v2/flows/{flowId}`.
 */
export class Router<H> {
  private readonly routes: Route<H>[] = [];

  /** Registers `handler` for `method` on `template` (`{name}` segments are parameters). */
  on(method: string, template: string, handler: H): this {
    const segments = template.split("/").filter(Boolean);
    const staticCount = segments.filter((s) => !s.startsWith("{")).length;
    this.routes.push({ method: method.toUpperCase(), template, segments, staticCount, handler });
    return this;
  }

  /**
   * Finds the route for `method` and `path`. `methodNotAllowed` is true when the path exists
   * under another method only (405 rather than 404).
   */
  match(method: string, path: string): { found?: RouteMatch<H>; route?: string; methodNotAllowed: boolean } {
    const parts = path.split("/").filter(Boolean);
    let best: { route: Route<H>; params: Record<string, string> } | undefined;
    let pathRoute: Route<H> | undefined;
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (!pathRoute || route.staticCount > pathRoute.staticCount) pathRoute = route;
      if (route.method !== method.toUpperCase()) continue;
      if (!best || route.staticCount > best.route.staticCount) best = { route, params };
    }
    if (best) {
      return {
        found: { handler: best.route.handler, route: best.route.template, params: best.params },
        route: best.route.template,
        methodNotAllowed: false,
      };
    }
    return { route: pathRoute?.template, methodNotAllowed: pathRoute !== undefined };
  }
}

function matchSegments(template: string[], parts: string[]): Record<string, string> | undefined {
  if (template.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const t = template[i] ?? "";
    const p = parts[i] ?? "";
    if (t.startsWith("{")) {
      try {
        params[t.slice(1, -1)] = decodeURIComponent(p);
      } catch {
        return undefined;
      }
    } else if (t !== p) {
      return undefined;
    }
  }
  return params;
}
