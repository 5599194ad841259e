/**
 * Why a request could not connect. pi-ai's clients say only "Connection error."; one probe of
 * `/health/liveliness` (no key, and never `/health`, which calls every backend) tells refused, DNS,
 * TLS and timeout apart, as discovery does.
 *
 * @module
 */

import type { LiteLLMConfig } from "../config/config.ts";
import { proxyRequest } from "../catalog/discovery.ts";
import { getJson } from "../proxy-http.ts";
import type { ConnectionCause } from "../requests/error-kinds.ts";

/** The probe's failure kinds that name a connection cause; any other answer means the proxy is there. */
const CONNECTION_KINDS: readonly ConnectionCause[] = ["refused", "dns", "tls", "timeout", "network"];

/** How long the probe may take before the request's line is given anyway. */
const DIAGNOSIS_TIMEOUT_MS = 2_000;

/** What one probe of the proxy finds, after a request could not connect to it. */
export async function diagnose(config: LiteLLMConfig, fetchImpl?: typeof fetch): Promise<ConnectionCause> {
  // Liveliness needs neither the key nor the configured headers.
  const { apiKey: _key, headers: _headers, ...request } = proxyRequest(config, "/health/liveliness", fetchImpl);
  const probe = await getJson({ ...request, timeoutMs: DIAGNOSIS_TIMEOUT_MS });
  if (probe.ok) return "answers";
  const kind = probe.problem.kind;
  return (CONNECTION_KINDS as readonly string[]).includes(kind) ? kind as ConnectionCause : "answers";
}
