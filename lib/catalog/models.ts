/**
 * Turns discovered catalog entries into pi model definitions, and into the per-model profile the
 * stream function reads (wire API, family, backend, fields to drop). Proxy metadata wins; the family
 * table fills only what it left out.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isHidden, type ModelLookup, modelSettings } from "../config/model-settings.ts";
import type { ModelSettings } from "../config/settings.ts";
import { type Backend, type Family, type FamilyRow, identify, NON_OPENAI_FAMILIES, normalizeModelId } from "../families.ts";
import type { ProviderModelConfig } from "../pi.ts";
import { type DropList, GATED_PARAMS, rejectedFields, unsupportedFields } from "../requests/policy.ts";
import type { CatalogEntry, ModelCost, WireApi } from "../types.ts";
import { thinkingLevelsFor } from "../thinking.ts";
import { WIRE_API_TABLE } from "../requests/wire-apis.ts";

/** What the stream function needs to know about a model, resolved once at registration. */
export interface ModelProfile {
  id: string;
  family: Family;
  /** The family row its capabilities default to. */
  traits: FamilyRow;
  /** What the user configured for it. */
  settings: ModelSettings;
  backend: Backend;
  wireApi: WireApi;
  /** Fields the policy removes from every request, each with the reason (worked out when first read). */
  readonly drop: DropList;
}

/** The models built from a catalog for pi, under the fingerprint of what they were built with. */
export interface BuiltModels {
  /** See {@link buildFingerprint}; models built under another one are built again. */
  fingerprint: string;
  models: ProviderModelConfig[];
  /** Settings that cannot take effect on a model, one line each. */
  notes: string[];
}

/** Families that do not implement OpenAI's `developer` role; pi sends them `system` instead. */
const SYSTEM_ROLE_FAMILIES: ReadonlySet<Family> = new Set(NON_OPENAI_FAMILIES);

/** Without a list from the proxy, every gated parameter counts as supported. */
const GATED_ALL: readonly string[] = GATED_PARAMS.map((gated) => gated.param);

/** Families whose backends take Anthropic-style `cache_control` markers on Chat Completions. */
const CACHE_CONTROL_FAMILIES: ReadonlySet<Family> = new Set(["claude"]);

/**
 * How long each family's backend keeps a prompt cache, in seconds, per pi retention tier: pi 1.x
 * keeps an idle cache warm for the tiers it knows. Anthropic's are 5 minutes and 1 hour
 * (docs.anthropic.com, prompt caching); the proxy must report that the model caches at all.
 */
const PROMPT_CACHE_LIFETIMES: Partial<Readonly<Record<Family, { short: number; long: number }>>> = {
  claude: { short: 300, long: 3_600 },
};

const ZERO_COST: ModelCost = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };

const NONE: ReadonlySet<WireApi> = new Set();

/** The wire API that carries a model's requests: its own, or the fallback of a route the proxy lacks. */
function routeFor(wireApi: WireApi, unserved: ReadonlySet<WireApi>): WireApi {
  return unserved.has(wireApi) ? WIRE_API_TABLE[wireApi].fallback ?? wireApi : wireApi;
}

/**
 * The profile of a model id: family and backend from the id (or the upstream model behind an alias),
 * wire API from the user's override or the family default (its fallback when the proxy does not
 * serve that route), and the fields the policy drops.
 *
 * @example
 * ```ts
 * const profile = profileOf({ id: "databricks-claude-sonnet-4" }, { modelOverrides: [] });
 * profile.wireApi; // "anthropic-messages"
 * profile.drop.has("prompt_cache_key"); // true
 * ```
 */
export function profileOf(
  entry: CatalogEntry,
  config: Pick<ModelLookup, "modelOverrides">,
  unserved: ReadonlySet<WireApi> = NONE,
): ModelProfile {
  const settings = modelSettings(config, entry.id);
  const { traits, backend, wireApi: familyWireApi } = identify(entry.id, entry.info);
  const family = traits.family;
  const wireApi = routeFor(settings.wireApi ?? familyWireApi, unserved);
  let drop: DropList | undefined;
  return {
    id: entry.id,
    family,
    traits,
    settings,
    backend,
    wireApi,
    // Read per request, not at registration: a warm start of thousands of models registers them without it.
    get drop() {
      return drop ??= dropList(entry, { family, backend, wireApi, settings });
    },
  };
}

/** The fields the policy drops for a model, each with its reason: the backend's rules, the proxy's list, the user's. */
function dropList(entry: CatalogEntry, profile: Pick<ModelProfile, "family" | "backend" | "wireApi" | "settings">): DropList {
  const { family, backend, wireApi, settings } = profile;
  const drop = new Map(rejectedFields({ id: normalizeModelId(entry.id), family, backend, wireApi }));
  for (const field of unsupportedFields(entry.info?.supportedParams ?? GATED_ALL, wireApi)) {
    if (!drop.has(field)) drop.set(field, "The proxy does not list it in this model's supported_openai_params");
  }
  for (const field of settings.dropFields ?? []) if (!drop.has(field)) drop.set(field, "Configured in pi's settings (litellm.models)");
  return drop;
}

/**
 * The pi model definition for one catalog entry, registered under the extension's own `api` id so
 * that pi routes its requests through the extension's stream function. The user's settings win,
 * then the proxy's metadata, then the family table.
 */
function toProviderModel(entry: CatalogEntry, profile: ModelProfile, api: string, notes: string[]): ProviderModelConfig {
  const row = profile.traits;
  const info = entry.info ?? {};
  const configured = profile.settings;
  const contextWindow = configured.contextWindow ?? info.contextWindow ?? row.contextWindow;
  const reasoning = configured.reasoning ?? info.reasoning ?? row.reasoning;
  if (configured.thinkingLevelMap && !reasoning) {
    notes.push(
      `litellm.models thinkingLevels has no effect on ${entry.id}: it is not known to reason; add "reasoning": true to its settings if it does`,
    );
  }
  const model: ProviderModelConfig = {
    id: entry.id,
    name: entry.id,
    api,
    reasoning,
    input: configured.input ?? (info.vision ?? row.vision ? ["text", "image"] : ["text"]),
    cost: { ...ZERO_COST, ...info.cost },
    contextWindow,
    maxTokens: Math.min(configured.maxTokens ?? info.maxTokens ?? row.maxTokens, contextWindow),
  };
  const lifetimes = PROMPT_CACHE_LIFETIMES[profile.family];
  if (info.promptCaching && lifetimes) model.promptCache = { ...lifetimes };
  const thinkingLevelMap = configured.thinkingLevelMap ??
    (info.reasoningEfforts ? thinkingLevelsFor(info.reasoningEfforts) : row.thinkingLevelMap);
  if (reasoning && thinkingLevelMap) model.thinkingLevelMap = thinkingLevelMap;
  if (profile.wireApi === "openai-completions") {
    const compat = {
      ...(SYSTEM_ROLE_FAMILIES.has(profile.family) ? { supportsDeveloperRole: false } : {}),
      ...(info.promptCaching && CACHE_CONTROL_FAMILIES.has(profile.family) ? { cacheControlFormat: "anthropic" as const } : {}),
    };
    if (Object.keys(compat).length > 0) model.compat = compat;
  }
  return model;
}

/**
 * Builds every model of a catalog for registration; the stream reads each model's profile later,
 * from {@link profileOf}.
 *
 * @example
 * ```ts
 * const { models } = buildModels([{ id: "gpt-5" }], { modelOverrides: [], hide: [] }, "litellm");
 * models[0]?.contextWindow; // 272000
 * ```
 */
export function buildModels(
  entries: readonly CatalogEntry[],
  config: ModelLookup,
  api: string,
  unserved: ReadonlySet<WireApi> = NONE,
): BuiltModels {
  const models: ProviderModelConfig[] = [];
  const notes: string[] = [];
  for (const entry of entries) {
    if (isHidden(config, entry.id)) continue;
    models.push(toProviderModel(entry, profileOf(entry, config, unserved), api, notes));
  }
  return { fingerprint: buildFingerprint(config, api, unserved), models, notes };
}

/**
 * The extension's version: models a cache kept from another version are built again, since its
 * tables (families, limits, thinking levels) may have changed. `undefined` where its package file
 * cannot be read, and then nothing built is reused.
 */
const EXTENSION_VERSION: string | undefined = (() => {
  try {
    const version = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown }).version;
    return typeof version === "string" ? version : undefined;
  } catch {
    return undefined;
  }
})();

/**
 * What the models built from a catalog depend on besides the catalog: this version of the
 * extension, the api id, the user's model settings, and the routes the proxy does not serve.
 * Equal fingerprints, equal models; a random one where the version is unknown, so nothing is reused.
 */
export function buildFingerprint(config: ModelLookup, api: string, unserved: ReadonlySet<WireApi> = NONE): string {
  const inputs = [EXTENSION_VERSION ?? crypto.randomUUID(), api, config.modelOverrides, config.hide, [...unserved].sort()];
  return createHash("sha256").update(JSON.stringify(inputs)).digest("hex").slice(0, 32);
}
