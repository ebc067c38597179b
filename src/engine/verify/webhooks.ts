import { PromoterError } from "../../errors.js";

/**
 * Flagger-style webhooks: at every check each webhook gets a POST with what is being verified and must
 * answer 2xx. Any other answer fails the check (it is the external test's verdict); no answer at all
 * (refused, timed out) is "no data", like an analytics outage, and never rolls a release back.
 * The URL must pass the operator's egress allow-list; redirects are not followed (a redirect could
 * lead past the list) and nothing secret is sent: no credentials, no token, only names and figures.
 */

/** A webhook URL the operator's `--allowed-endpoints` does not allow (AccessDenied, a person must act). */
export class WebhookNotAllowedError extends PromoterError {
  constructor(name: string, detail: string) {
    super("WebhookNotAllowed", "Stalled", `spec.verification.webhooks[${name}]: ${detail}`);
  }
}

/** The egress check (the controller's EndpointAllowList; the CLI allows what its user typed). */
export type EgressCheck = (url: string) => void;

/** A webhook to call. */
export interface Webhook {
  name: string;
  url: string;
  timeoutMs: number;
}

/** What one round of webhook calls found. */
export interface WebhookRound {
  failures: Array<{ name: string; detail: string }>;
  unreachable: Array<{ name: string; detail: string }>;
}

/** Throws WebhookNotAllowedError unless every webhook URL passes `egress`. */
export function checkWebhooks(webhooks: readonly Webhook[], egress: EgressCheck): void {
  for (const w of webhooks) {
    try {
      egress(w.url);
    } catch (err) {
      throw new WebhookNotAllowedError(w.name, err instanceof Error ? err.message : String(err));
    }
  }
}

/** POSTs `payload` to every webhook (after the egress check) and sorts the answers. */
export async function callWebhooks(
  webhooks: readonly Webhook[],
  payload: Record<string, unknown>,
  egress: EgressCheck,
  signal?: AbortSignal,
): Promise<WebhookRound> {
  checkWebhooks(webhooks, egress);
  const round: WebhookRound = { failures: [], unreachable: [] };
  await Promise.all(
    webhooks.map(async (w) => {
      const timeout = AbortSignal.timeout(w.timeoutMs);
      try {
        const res = await fetch(w.url, {
          method: "POST",
          headers: { "content-type": "application/json", "user-agent": "ivr-promoter" },
          body: JSON.stringify({ webhook: w.name, ...payload }),
          redirect: "manual",
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        await res.body?.cancel();
        if (res.status < 200 || res.status >= 300)
          round.failures.push({ name: w.name, detail: `HTTP ${res.status}` });
      } catch (err) {
        if (signal?.aborted) throw signal.reason;
        round.unreachable.push({ name: w.name, detail: err instanceof Error ? err.message : String(err) });
      }
    }),
  );
  return round;
}
