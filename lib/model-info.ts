/**
 * Reads what the proxy says about its models (`/v1/model/info`, `/model_group/info`, and the extra
 * fields newer proxies put in `/v1/models`) into one {@link ProxyModelInfo} per model name.
 *
 * Deployments of one name are merged conservatively: the smallest limits, a capability only when
 * every deployment has it, the highest price, the parameters and efforts all of them accept.
 *
 * @module
 */

import type { ModelCost, ProxyModelInfo } from "./types.ts";

type Raw = Record<string, unknown>;

/** LiteLLM cost fields (dollars per token) and the pi cost field (dollars per million) each fills. */
const COST_FIELDS: readonly [keyof ModelCost, string][] = [
  ["input", "input_cost_per_token"],
  ["output", "output_cost_per_token"],
  ["cacheRead", "cache_read_input_token_cost"],
  ["cacheWrite", "cache_creation_input_token_cost"],
];

/** Per-level flags newer proxies report, and whether a missing flag means the level is accepted. */
const EFFORT_FLAGS: readonly [effort: string, flag: string, acceptedUnlessFalse: boolean][] = [
  ["none", "supports_none_reasoning_effort", true],
  ["minimal", "supports_minimal_reasoning_effort", true],
  ["low", "supports_low_reasoning_effort", true],
  ["medium", "", true],
  ["high", "", true],
  ["xhigh", "supports_xhigh_reasoning_effort", false],
  ["max", "supports_max_reasoning_effort", false],
];

const positive = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isFinite(value) && value > 0 ? value : undefined;
const flag = (value: unknown): boolean | undefined => (typeof value === "boolean" ? value : undefined);
const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((item) => typeof item === "string") ? value : undefined;
/** Dollars per token to dollars per million, without float noise (3e-6 → 3, not 2.9999999999999996). */
const perMillion = (value: unknown): number | undefined => {
  const cost = typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
  return cost === undefined ? undefined : Number((cost * 1e6).toPrecision(12));
};

/** Efforts from per-level flags, when the proxy reports flags but no list. */
function effortsFromFlags(info: Raw): string[] | undefined {
  if (!EFFORT_FLAGS.some(([, name]) => name !== "" && typeof info[name] === "boolean")) return undefined;
  return EFFORT_FLAGS.filter(([, name, acceptedUnlessFalse]) => (acceptedUnlessFalse ? info[name] !== false : info[name] === true))
    .map(([effort]) => effort);
}

/** The metadata of one `model_info` object (or `/model_group/info` row, or `/v1/models` entry). */
export function readInfo(info: Raw, upstreamModel?: string): ProxyModelInfo {
  const capabilities = (info.capabilities ?? {}) as Raw;
  const cost: Partial<ModelCost> = {};
  for (const [field, source] of COST_FIELDS) {
    const value = perMillion(info[source]);
    if (value !== undefined) cost[field] = value;
  }
  const provider = typeof info.litellm_provider === "string" ? info.litellm_provider : strings(info.providers)?.[0];
  const result: ProxyModelInfo = {
    contextWindow: positive(info.max_input_tokens) ?? positive(info.context_window),
    maxTokens: positive(info.max_output_tokens) ?? positive(info.max_tokens),
    vision: flag(info.supports_vision) ?? flag(capabilities.vision),
    reasoning: flag(info.supports_reasoning),
    promptCaching: flag(info.supports_prompt_caching) ?? flag(capabilities.prompt_caching),
    cost: Object.keys(cost).length > 0 ? cost : undefined,
    backend: provider ?? upstreamModel?.split("/")[0],
    upstreamModel,
    supportedParams: strings(info.supported_openai_params),
    reasoningEfforts: strings(info.supported_reasoning_efforts) ?? effortsFromFlags(info),
    responsesOnly: info.mode === "responses" ? true : undefined,
  };
  return Object.fromEntries(Object.entries(result).filter(([, value]) => value !== undefined)) as ProxyModelInfo;
}

function smallest(values: (number | undefined)[]): number | undefined {
  const known = values.filter((value): value is number => value !== undefined);
  return known.length > 0 ? Math.min(...known) : undefined;
}

/** True only if every deployment says true; false if any says false; unknown otherwise. */
function everyone(values: (boolean | undefined)[]): boolean | undefined {
  if (values.some((value) => value === false)) return false;
  return values.length > 0 && values.every((value) => value === true) ? true : undefined;
}

/** What every deployment that reports a list accepts. */
function common(lists: (readonly string[] | undefined)[]): string[] | undefined {
  const known = lists.filter((list): list is readonly string[] => list !== undefined);
  if (known.length === 0) return undefined;
  return known[0]!.filter((item) => known.every((list) => list.includes(item)));
}

/** Merges the deployments of one model name conservatively. */
export function mergeDeployments(deployments: readonly ProxyModelInfo[]): ProxyModelInfo {
  const cost: Partial<ModelCost> = {};
  for (const [field] of COST_FIELDS) {
    const prices = deployments.map((info) => info.cost?.[field]).filter((value): value is number => value !== undefined);
    if (prices.length > 0) cost[field] = Math.max(...prices);
  }
  const merged: ProxyModelInfo = {
    contextWindow: smallest(deployments.map((info) => info.contextWindow)),
    maxTokens: smallest(deployments.map((info) => info.maxTokens)),
    vision: everyone(deployments.map((info) => info.vision)),
    reasoning: everyone(deployments.map((info) => info.reasoning)),
    promptCaching: everyone(deployments.map((info) => info.promptCaching)),
    cost: Object.keys(cost).length > 0 ? cost : undefined,
    backend: deployments.find((info) => info.backend)?.backend,
    upstreamModel: deployments.find((info) => info.upstreamModel)?.upstreamModel,
    supportedParams: common(deployments.map((info) => info.supportedParams)),
    reasoningEfforts: common(deployments.map((info) => info.reasoningEfforts)),
    responsesOnly: everyone(deployments.map((info) => info.responsesOnly)),
  };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined)) as ProxyModelInfo;
}

/** Fills what `primary` does not know from `secondary`; `primary` wins field by field. */
export function complement(primary: ProxyModelInfo, secondary: ProxyModelInfo | undefined): ProxyModelInfo {
  if (!secondary) return primary;
  const cost = primary.cost || secondary.cost ? { ...secondary.cost, ...primary.cost } : undefined;
  return { ...secondary, ...primary, ...(cost ? { cost } : {}) };
}

/** A row's `mode`, for skipping embedding, image and audio models. */
function modeOf(row: Raw): unknown {
  return ((row.model_info ?? row) as Raw).mode;
}

/**
 * Groups `/v1/model/info` rows by model name and merges each group, keeping the proxy's order.
 * Rows without a name are skipped.
 */
export function readModelInfoRows(rows: readonly unknown[]): Map<string, { info: ProxyModelInfo; modes: unknown[] }> {
  const grouped = new Map<string, { deployments: ProxyModelInfo[]; modes: unknown[] }>();
  for (const row of rows) {
    const record = (row ?? {}) as Raw;
    const name = record.model_name;
    if (typeof name !== "string" || name === "") continue;
    const upstream = (record.litellm_params as Raw | undefined)?.model;
    const entry = grouped.get(name) ?? { deployments: [], modes: [] };
    entry.deployments.push(readInfo((record.model_info ?? {}) as Raw, typeof upstream === "string" ? upstream : undefined));
    entry.modes.push(modeOf(record));
    grouped.set(name, entry);
  }
  return new Map([...grouped].map(([name, { deployments, modes }]) => [name, { info: mergeDeployments(deployments), modes }]));
}

/** Capability flags of a group row; LiteLLM defaults them to `false`, so only `true` is information. */
const GROUP_FLAGS = ["vision", "reasoning", "promptCaching"] as const;

/** Reads `/model_group/info` rows by group name. */
export function readModelGroups(rows: readonly unknown[]): Map<string, ProxyModelInfo> {
  const groups = new Map<string, ProxyModelInfo>();
  for (const row of rows) {
    const record = (row ?? {}) as Raw;
    if (typeof record.model_group !== "string") continue;
    const info = readInfo(record);
    for (const name of GROUP_FLAGS) if (info[name] === false) delete info[name];
    groups.set(record.model_group, info);
  }
  return groups;
}
