/**
 * Turns discovered catalog entries into pi model definitions, and into the per-model profile the
 * stream function reads (wire API, family, backend, fields to drop). Proxy metadata wins; the family
 * table fills only what it left out.
 *
 * @module
 */

import { type LiteLLMConfig, overriddenWireApi } from "./config.ts";
import { type Backend, backendOf, DEFAULT_WIRE_API, type Family, familyOf, normalizeModelId } from "./families.ts";
import type { ProviderModelConfig } from "./pi.ts";
import { type DropList, rejectedFields } from "./policy.ts";
import type { CatalogEntry, ModelCost, WireApi } from "./types.ts";

/** What the stream function needs to know about a model, resolved once at registration. */
export interface ModelProfile {
  id: string;
  family: Family;
  backend: Backend;
  wireApi: WireApi;
  /** Fields the policy removes from every request, each with the reason. */
  drop: DropList;
}

/** pi model definitions plus the profile of each, by model id. */
export interface ProviderModels {
  models: ProviderModelConfig[];
  profiles: ReadonlyMap<string, ModelProfile>;
}

/** Families that do not implement OpenAI's `developer` role; pi sends them `system` instead. */
const SYSTEM_ROLE_FAMILIES: ReadonlySet<Family> = new Set([
  "claude",
  "gemini",
  "gpt-oss",
  "llama",
  "mistral",
  "nova",
  "deepseek",
  "qwen",
]);

const ZERO_COST: ModelCost = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

/**
 * The profile of a model id: family and backend from the id (or the upstream model behind an alias),
 * wire API from the user's override or the family default, and the fields the policy drops.
 *
 * @example
 * ```ts
 * const profile = profileOf({ id: "databricks-claude-sonnet-4" }, { wireApiOverrides: [] });
 * profile.wireApi; // "openai-completions"
 * profile.drop.has("prompt_cache_key"); // true
 * ```
 */
export function profileOf(entry: CatalogEntry, config: Pick<LiteLLMConfig, "wireApiOverrides">): ModelProfile {
  const upstream = entry.info?.upstreamModel;
  const family = familyOf(entry.id, upstream).family;
  const backend = backendOf(entry.id, upstream, entry.info?.backend);
  const wireApi = overriddenWireApi(config, entry.id) ?? DEFAULT_WIRE_API[family];
  const drop = rejectedFields({ id: normalizeModelId(entry.id), family, backend, wireApi });
  return { id: entry.id, family, backend, wireApi, drop };
}

/**
 * The pi model definition for one catalog entry, registered under the extension's own `api` id so
 * that pi routes its requests through the extension's stream function.
 */
export function toProviderModel(entry: CatalogEntry, profile: ModelProfile, api: string): ProviderModelConfig {
  const row = familyOf(entry.id, entry.info?.upstreamModel);
  const info = entry.info ?? {};
  const contextWindow = info.contextWindow ?? row.contextWindow;
  const reasoning = info.reasoning ?? row.reasoning;
  const model: ProviderModelConfig = {
    id: entry.id,
    name: entry.id,
    api,
    reasoning,
    input: info.vision ?? row.vision ? ["text", "image"] : ["text"],
    cost: { ...ZERO_COST, ...info.cost },
    contextWindow,
    maxTokens: Math.min(info.maxTokens ?? row.maxTokens, contextWindow),
  };
  if (reasoning && row.thinkingLevelMap) model.thinkingLevelMap = row.thinkingLevelMap;
  if (profile.wireApi === "openai-completions" && SYSTEM_ROLE_FAMILIES.has(profile.family)) {
    model.compat = { supportsDeveloperRole: false };
  }
  return model;
}

/**
 * Builds every model of a catalog for registration.
 *
 * @example
 * ```ts
 * const { models, profiles } = buildModels([{ id: "gpt-5" }], { wireApiOverrides: [] }, "litellm");
 * models[0]?.contextWindow; // 272000
 * profiles.get("gpt-5")?.wireApi; // "openai-responses"
 * ```
 */
export function buildModels(
  entries: readonly CatalogEntry[],
  config: Pick<LiteLLMConfig, "wireApiOverrides">,
  api: string,
): ProviderModels {
  const models: ProviderModelConfig[] = [];
  const profiles = new Map<string, ModelProfile>();
  for (const entry of entries) {
    const profile = profileOf(entry, config);
    profiles.set(entry.id, profile);
    models.push(toProviderModel(entry, profile, api));
  }
  return { models, profiles };
}
