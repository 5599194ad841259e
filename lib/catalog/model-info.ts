/**
 * Reads what the proxy says about its models (`/v1/model/info`, `/model_group/info`, and the extra
 * fields newer proxies put in `/v1/models`) into one {@link ProxyModelInfo} per model name.
 *
 * Deployments of one name are merged conservatively: the smallest limits, a capability only when
 * every deployment has it, the highest price, the parameters and efforts all of them accept.
 *
 * @module
 */

import type { ModelCost, ProxyModelInfo } from "../types.ts";
import { isLimit, type Limit } from "../families.ts";
import { effortsFromFlags } from "../thinking.ts";

type Raw = Record<string, unknown>;

/** LiteLLM cost fields (dollars per token) and the pi cost field (dollars per million) each fills. */
const COST_FIELDS: readonly [keyof ModelCost, string][] = [
  ["input", "input_cost_per_token"],
  ["output", "output_cost_per_token"],
  ["cacheRead", "cache_read_input_token_cost"],
  ["cacheWrite", "cache_creation_input_token_cost"],
];

/** The row's fields that may hold each limit, preferred first. */
const LIMIT_FIELDS: Readonly<Record<Limit, readonly string[]>> = {
  contextWindow: ["max_input_tokens", "context_window"],
  maxTokens: ["max_output_tokens", "max_tokens"],
};

/** A limit from the first field holding a valid value; invalid values are reported in `ignored`. */
function limitOf(limit: Limit, info: Raw, ignored: string[]): number | undefined {
  for (const field of LIMIT_FIELDS[limit]) {
    const value = info[field];
    if (isLimit(limit, value)) return value;
    if (value !== undefined && value !== null) ignored.push(`${field}=${JSON.stringify(value)}`);
  }
  return undefined;
}
const flag = (value: unknown): boolean | undefined => (typeof value === "boolean" ? value : undefined);
const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((item) => typeof item === "string") ? value : undefined;
/** Dollars per token to dollars per million, without float noise (3e-6 → 3, not 2.9999999999999996). */
const perMillion = (value: unknown): number | undefined => {
  const cost = typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : undefined;
  return cost === undefined ? undefined : Number((cost * 1e6).toPrecision(12));
};

/** The metadata of one `model_info` object (or `/model_group/info` row, or `/v1/models` entry). */
export function readInfo(info: Raw, upstreamModel?: string): ProxyModelInfo {
  const capabilities = (info.capabilities ?? {}) as Raw;
  const cost: Partial<ModelCost> = {};
  for (const [field, source] of COST_FIELDS) {
    const value = perMillion(info[source]);
    if (value !== undefined) cost[field] = value;
  }
  const provider = typeof info.litellm_provider === "string" ? info.litellm_provider : strings(info.providers)?.[0];
  const ignored: string[] = [];
  const result: ProxyModelInfo = {
    contextWindow: limitOf("contextWindow", info, ignored),
    maxTokens: limitOf("maxTokens", info, ignored),
    vision: flag(info.supports_vision) ?? flag(capabilities.vision),
    reasoning: flag(info.supports_reasoning),
    promptCaching: flag(info.supports_prompt_caching) ?? flag(capabilities.prompt_caching),
    cost: Object.keys(cost).length > 0 ? cost : undefined,
    backend: provider ?? upstreamModel?.split("/")[0],
    upstreamModel,
    supportedParams: strings(info.supported_openai_params),
    reasoningEfforts: strings(info.supported_reasoning_efforts) ?? effortsFromFlags(info),
    responsesOnly: info.mode === "responses" ? true : undefined,
    ignoredLimits: ignored.length > 0 ? ignored : undefined,
  };
  return Object.fromEntries(Object.entries(result).filter(([, value]) => value !== undefined)) as ProxyModelInfo;
}

/** Without a spread: a name with 100,000 deployments would overflow the call stack. */
function smallest(values: (number | undefined)[]): number | undefined {
  let result: number | undefined;
  for (const value of values) if (value !== undefined && (result === undefined || value < result)) result = value;
  return result;
}

function largest(values: (number | undefined)[]): number | undefined {
  let result: number | undefined;
  for (const value of values) if (value !== undefined && (result === undefined || value > result)) result = value;
  return result;
}

/** True only if every deployment says true; false if any says false; unknown otherwise. */
function everyone(values: (boolean | undefined)[]): boolean | undefined {
  if (values.some((value) => value === false)) return false;
  return values.length > 0 && values.every((value) => value === true) ? true : undefined;
}

/** What every deployment that reports a list accepts, in the first list's order; linear in the items. */
function common(lists: (readonly string[] | undefined)[]): string[] | undefined {
  const known = lists.filter((list): list is readonly string[] => list !== undefined);
  if (known.length === 0) return undefined;
  let kept = new Set(known[0]);
  for (const list of known.slice(1)) {
    const present = new Set(list);
    kept = new Set([...kept].filter((item) => present.has(item)));
  }
  return [...kept];
}

const distinct = (items: readonly string[]): string[] | undefined => (items.length > 0 ? [...new Set(items)] : undefined);

/** Merges the deployments of one model name conservatively. */
export function mergeDeployments(deployments: readonly ProxyModelInfo[]): ProxyModelInfo {
  const cost: Partial<ModelCost> = {};
  for (const [field] of COST_FIELDS) {
    const price = largest(deployments.map((info) => info.cost?.[field]));
    if (price !== undefined) cost[field] = price;
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
    ignoredLimits: distinct(deployments.flatMap((info) => info.ignoredLimits ?? [])),
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
