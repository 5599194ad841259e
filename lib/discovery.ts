/**
 * Asks the proxy which chat models the key can use and returns them as a {@link Catalog}.
 *
 * @module
 */

import type { LiteLLMConfig } from "./config.ts";
import { getJson, type ProxyFailure, type ProxyRequest } from "./proxy-http.ts";
import type { Catalog, CatalogEntry } from "./types.ts";

/** The outcome of {@link discover}. */
export type DiscoveryResult = { ok: true; catalog: Catalog } | { ok: false; failure: ProxyFailure };

/** LiteLLM `mode` values that are not chat models pi could talk to. */
const NON_CHAT_MODES: ReadonlySet<string> = new Set([
  "embedding",
  "image_generation",
  "image_edit",
  "audio_transcription",
  "audio_speech",
  "rerank",
  "moderation",
  "moderations",
  "video_generation",
  "ocr",
  "search",
]);

/** Whether an id is a wildcard route (`*`, `anthropic/*`) rather than a model. */
export function isWildcard(id: string): boolean {
  return id.includes("*");
}

/** Whether a `mode` reported by the proxy rules the model out of pi's catalog. */
export function isNonChatMode(mode: unknown): boolean {
  return typeof mode === "string" && NON_CHAT_MODES.has(mode);
}

/**
 * Reads a `/v1/models` body: chat model ids in the proxy's order, wildcard routes and non-chat modes
 * skipped, duplicates removed. Returns `undefined` when the body is not a model list at all.
 *
 * @example
 * ```ts
 * parseModelList({ data: [{ id: "gpt-4o" }, { id: "anthropic/*" }, { id: "gpt-4o" }] });
 * // [{ id: "gpt-4o" }]
 * ```
 */
export function parseModelList(body: unknown): CatalogEntry[] | undefined {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return undefined;
  const seen = new Set<string>();
  const entries: CatalogEntry[] = [];
  for (const item of data) {
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof id !== "string" || id === "" || isWildcard(id) || seen.has(id)) continue;
    if (isNonChatMode((item as { mode?: unknown }).mode)) continue;
    seen.add(id);
    entries.push({ id });
  }
  return entries;
}

/** The request template for one management route of the configured proxy. */
export function proxyRequest(config: LiteLLMConfig, path: string, fetchImpl?: typeof fetch): ProxyRequest {
  return {
    url: `${config.baseUrl}${path}`,
    ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
    timeoutMs: config.discoveryTimeoutMs,
    keyVariable: config.apiKeyVariable,
    urlVariable: config.baseUrlVariable,
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
  };
}

/**
 * Discovers the proxy's chat models from `GET /v1/models`.
 */
export async function discover(config: LiteLLMConfig, fetchImpl?: typeof fetch): Promise<DiscoveryResult> {
  const request = proxyRequest(config, "/v1/models", fetchImpl);
  const result = await getJson(request);
  if (!result.ok) return result;
  const models = parseModelList(result.body);
  if (models === undefined) {
    return {
      ok: false,
      failure: { kind: "malformed", message: `LiteLLM at ${request.url} answered without a model list; check that ${config.baseUrlVariable} points at the proxy` },
    };
  }
  return { ok: true, catalog: { source: "models", fetchedAt: Date.now(), models } };
}
