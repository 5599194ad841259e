/**
 * Asks the proxy which chat models the key can use, with the metadata it has, within one deadline.
 *
 * `/v1/model/info` (one row per deployment) comes first, complemented by `/model_group/info`. A key
 * that may not read it (401, 403) or a proxy without it (404) falls back, silently, to `/v1/models`
 * and the family table.
 *
 * @module
 */

import type { LiteLLMConfig } from "../config/config.ts";
import { complement, readInfo, readModelGroups, readModelInfoRows } from "./model-info.ts";
import { type FailureKind, getJson, type ProxyFailure, type ProxyRequest } from "../proxy-http.ts";
import { hasControlCharacters } from "../secrets.ts";
import type { Catalog, CatalogEntry, CatalogSource, ProxyModelInfo, Result } from "../types.ts";

/** The outcome of {@link discover}. */
export type DiscoveryResult = Result<Catalog, ProxyFailure>;

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

/** Failures of `/v1/model/info` after which `/v1/models` is still worth asking; network failures are not. */
const FALLBACK_KINDS: ReadonlySet<FailureKind> = new Set(["unauthorized", "forbidden", "not-found", "gateway", "http", "malformed"]);

/** Whether an id is a wildcard route (`*`, `anthropic/*`) rather than a model. */
export function isWildcard(id: string): boolean {
  return id.includes("*");
}

/**
 * Whether an id can be offered to pi: not a wildcard, and free of control characters, which pi
 * would print raw (an escape sequence in a model name could drive the user's terminal).
 */
function isOfferable(id: string): boolean {
  return id !== "" && !isWildcard(id) && !hasControlCharacters(id);
}

/** Whether a `mode` reported by the proxy rules the model out of pi's catalog. */
function isNonChatMode(mode: unknown): boolean {
  return typeof mode === "string" && NON_CHAT_MODES.has(mode);
}

function dataOf(body: unknown): unknown[] | undefined {
  const data = (body as { data?: unknown } | null)?.data;
  return Array.isArray(data) ? data : undefined;
}

/** An entry, with its metadata only when there is some. */
function entry(id: string, info: ProxyModelInfo | undefined): CatalogEntry {
  return info && Object.keys(info).length > 0 ? { id, info } : { id };
}

/**
 * Reads a `/v1/models` body: chat model ids in the proxy's order, with the limits and capabilities
 * newer proxies add per entry. Wildcard routes, ids with control characters, non-chat modes and
 * duplicates are skipped.
 * Returns `undefined` when the body is not a model list at all.
 *
 * @example
 * ```ts
 * parseModelList({ data: [{ id: "gpt-4o" }, { id: "anthropic/*" }, { id: "gpt-4o" }] });
 * // [{ id: "gpt-4o" }]
 * ```
 */
export function parseModelList(body: unknown, groups: ReadonlyMap<string, ProxyModelInfo> = new Map()): CatalogEntry[] | undefined {
  const data = dataOf(body);
  if (!data) return undefined;
  const seen = new Set<string>();
  const entries: CatalogEntry[] = [];
  for (const item of data) {
    const record = (item ?? {}) as Record<string, unknown>;
    const id = record.id;
    if (typeof id !== "string" || !isOfferable(id) || seen.has(id) || isNonChatMode(record.mode)) continue;
    seen.add(id);
    entries.push(entry(id, complement(readInfo(record), groups.get(id))));
  }
  return entries;
}

/**
 * Reads `/v1/model/info` rows: one entry per model name, deployments merged, groups filling gaps.
 * A name whose every deployment has a non-chat mode is skipped.
 */
export function parseModelInfo(rows: readonly unknown[], groups: ReadonlyMap<string, ProxyModelInfo> = new Map()): CatalogEntry[] {
  const entries: CatalogEntry[] = [];
  for (const [id, { info, modes }] of readModelInfoRows(rows)) {
    if (!isOfferable(id) || modes.every(isNonChatMode)) continue;
    entries.push(entry(id, complement(info, groups.get(id))));
  }
  return entries;
}

/** The request template for one management route of the configured proxy. */
export function proxyRequest(config: LiteLLMConfig, path: string, fetchImpl?: typeof fetch, deadline?: number): ProxyRequest {
  return {
    url: `${config.baseUrl}${path}`,
    ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
    timeoutMs: config.discoveryTimeoutMs,
    ...(deadline === undefined ? {} : { deadline }),
    headers: config.headers,
    secrets: config.secrets,
    keyVariable: config.apiKeyVariable,
    urlVariable: config.baseUrlVariable,
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
  };
}

/** A catalog, unless reading it took discovery past its deadline: then the line says so, as a slow answer would. */
function catalog(source: CatalogSource, models: CatalogEntry[], config: LiteLLMConfig, deadline: number): DiscoveryResult {
  if (Date.now() > deadline) {
    return {
      ok: false,
      problem: {
        kind: "timeout",
        message:
          `LiteLLM at ${config.baseUrl} did not answer within ${config.discoveryTimeoutMs} ms; check the proxy or raise LITELLM_DISCOVERY_TIMEOUT_MS`,
      },
    };
  }
  return { ok: true, value: { source, fetchedAt: Date.now(), models } };
}

/**
 * Discovers the proxy's chat models. Every request, and reading their answers, shares one deadline
 * of `discoveryTimeoutMs`.
 */
export async function discover(config: LiteLLMConfig, fetchImpl?: typeof fetch): Promise<DiscoveryResult> {
  const deadline = Date.now() + config.discoveryTimeoutMs;
  const request = (path: string) => proxyRequest(config, path, fetchImpl, deadline);
  const [info, groupInfo] = await Promise.all([getJson(request("/v1/model/info")), getJson(request("/model_group/info"))]);
  const groups = groupInfo.ok ? readModelGroups(dataOf(groupInfo.value) ?? []) : new Map<string, ProxyModelInfo>();

  if (info.ok) {
    const rows = dataOf(info.value);
    if (rows) return catalog("model/info", parseModelInfo(rows, groups), config, deadline);
  } else if (!FALLBACK_KINDS.has(info.problem.kind)) {
    return info;
  }

  const list = request("/v1/models");
  const result = await getJson(list);
  if (!result.ok) return result;
  const models = parseModelList(result.value, groups);
  if (models) return catalog("models", models, config, deadline);
  return {
    ok: false,
    problem: {
      kind: "malformed",
      message: `LiteLLM at ${list.url} answered without a model list; check that ${config.baseUrlVariable} points at the proxy`,
    },
  };
}
