import type { Principal } from "./flow-store.js";
import type { HttpResult } from "./router.js";
import type { PresignedStore } from "./s3.js";
import type { OrgState } from "./state.js";

/** What an `/api/v2` handler gets: the caller's org and client, the parsed request, and shared services. */
export interface ApiContext {
  org: OrgState;
  principal: Principal;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Request path without the query. */
  path: string;
  /** `http://host:port` as the caller addressed the emulator (for presigned and diagnostic URLs). */
  baseUrl: string;
  correlationId: string;
  now: number;
  s3: PresignedStore;
  /** The JSON body (undefined when empty); 400 bad.request when it is not JSON. */
  json(): unknown;
}

/** An `/api/v2` route handler. */
export type ApiHandler = (ctx: ApiContext) => HttpResult | Promise<HttpResult>;

/** 200 with a JSON body. */
export const ok = (body: unknown, status = 200): HttpResult => ({ status, body });

/** The path parameter `name` (the router guarantees it exists for the matched template). */
export function param(ctx: ApiContext, name: string): string {
  return ctx.params[name] ?? "";
}
