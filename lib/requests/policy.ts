/**
 * Which request fields a model's backend rejects, per wire API, and the filter that removes them from
 * a pi-ai payload (through pi-ai's `onPayload` hook). The knowledge is the {@link REJECTION_RULES} table; everything else only reads it.
 *
 * Unknown families match no family rule: they send everything (fail open) and rely on learning.
 *
 * @module
 */

import { type Backend, type Family, NON_OPENAI_FAMILIES } from "../families.ts";
import type { SimpleStreamOptions } from "../pi.ts";
import type { WireApi } from "../types.ts";
import { type ParamSpelling, WIRE_API_TABLE } from "./wire-apis.ts";

/** A request field, dotted for nested ones: `prompt_cache_key`, `reasoning.summary`. */
export type FieldPath = string;

/** A model as the policy sees it. */
export interface PolicySubject {
  /** Normalized model id (see `normalizeModelId`). */
  id: string;
  family: Family;
  backend: Backend;
  wireApi: WireApi;
}

/** One row of {@link REJECTION_RULES}: omitted criteria match everything. */
export interface RejectionRule {
  families?: readonly Family[];
  backends?: readonly Backend[];
  apis?: readonly WireApi[];
  /** Narrows a family rule to some of its models (matched against the normalized id). */
  models?: RegExp;
  fields: readonly FieldPath[];
  /** Why the backend rejects them, shown by `/litellm` and in the README. */
  why: string;
  /** Fixture ids (see `fixtures/`) that record the rejection. */
  sources: readonly string[];
  /** What the real LiteLLM 1.106.12 did with these fields, and the LiteLLM source file that does it. */
  litellm?: string;
}

const RESPONSES_APIS: readonly WireApi[] = ["openai-responses", "azure-openai-responses"];
/** The OpenAI-shaped wire APIs; a Messages request has no `store`, `prompt_cache_key` or tool-call flags. */
const OPENAI_APIS: readonly WireApi[] = ["openai-completions", ...RESPONSES_APIS];

/**
 * The rejection table. Sources name fixtures in `fixtures/`; a fixture marked `verbatim: false` is a
 * reconstruction in the backend's own phrasing where no public transcript exists.
 */
export const REJECTION_RULES: readonly RejectionRule[] = [
  {
    families: NON_OPENAI_FAMILIES,
    apis: OPENAI_APIS,
    fields: ["prompt_cache_key", "prompt_cache_retention", "store"],
    why: "OpenAI-only fields: LiteLLM's mappings for other backends omit them, and without drop_params it answers 400",
    sources: ["litellm-anthropic-store", "litellm-anthropic-prompt-cache-key", "litellm-vertex-prompt-cache-key"],
    litellm: "refuses them itself before the backend sees the request, every unsupported field named at once (litellm/utils.py)",
  },
  {
    families: NON_OPENAI_FAMILIES,
    apis: RESPONSES_APIS,
    fields: ["include", "reasoning.summary"],
    why: "LiteLLM's Responses bridge forwards these unmapped; a reasoning dict reaches the backend as-is",
    sources: ["databricks-reasoning-dict"],
  },
  {
    backends: ["databricks"],
    apis: OPENAI_APIS,
    fields: ["prompt_cache_key", "prompt_cache_retention", "store", "parallel_tool_calls"],
    why: "Databricks serving endpoints accept none of these, whatever model they host",
    sources: ["databricks-prompt-cache-key", "databricks-parallel-tool-calls"],
    litellm: "refuses them itself: its Databricks mapping lists none of them (litellm/llms/databricks/chat/transformation.py)",
  },
  {
    families: ["gemini"],
    backends: ["databricks"],
    apis: ["openai-completions"],
    fields: ["reasoning_effort"],
    why: "Gemini on Databricks has no reasoning_effort field in its generation_config",
    sources: ["databricks-gemini-reasoning-effort"],
  },
  {
    families: ["gemini"],
    backends: ["databricks"],
    apis: RESPONSES_APIS,
    fields: ["reasoning"],
    why: "LiteLLM's Responses bridge turns reasoning into reasoning_effort, which Gemini on Databricks rejects",
    sources: ["databricks-gemini-reasoning-effort"],
  },
  {
    families: ["claude"],
    models: /opus-5/,
    fields: ["temperature"],
    why: "Claude Opus 5 does not accept a sampling temperature",
    sources: ["databricks-claude-temperature"],
  },
  {
    families: ["gpt-4"],
    models: /gpt-4(?!-1(?![0-9]))/,
    fields: ["prompt_cache_retention"],
    why: "Extended (24h) prompt cache retention exists only for GPT-4.1 and GPT-5.x",
    sources: ["azure-prompt-cache-retention"],
    litellm: "drops it on Chat Completions, forwards it on native Responses, where the backend refuses it",
  },
  {
    families: ["gpt-5"],
    models: /^(?!.*-chat)/,
    fields: ["temperature"],
    why: "GPT-5 reasoning models accept only the default temperature",
    sources: ["azure-gpt5-temperature"],
    litellm: "refuses it itself while reasoning is on (litellm/llms/openai/chat/gpt_5_transformation.py)",
  },
  {
    families: ["o-series"],
    fields: ["temperature"],
    why: "o-series reasoning models accept only the default temperature",
    sources: ["azure-o-series-temperature"],
    litellm:
      "refuses it itself (litellm/llms/openai/chat/o_series_transformation.py, litellm/llms/azure/responses/o_series_transformation.py)",
  },
];

function ruleApplies(rule: RejectionRule, subject: PolicySubject): boolean {
  return (rule.families === undefined || rule.families.includes(subject.family)) &&
    (rule.backends === undefined || rule.backends.includes(subject.backend)) &&
    (rule.apis === undefined || rule.apis.includes(subject.wireApi)) &&
    (rule.models === undefined || rule.models.test(subject.id));
}

/**
 * Request fields LiteLLM checks against a backend's `supported_openai_params` (its
 * `_check_valid_arg`), as each wire API spells them. Fields it never checks (`stream_options`,
 * `user`) and fields pi cannot do without (`tools`, the token limit) are not listed. A Messages
 * request has no spelling for most of them; its `thinking` is never gated, because dropping it
 * would turn thinking off without a word.
 */
export const GATED_PARAMS: readonly ({ param: string } & Record<ParamSpelling, FieldPath | undefined>)[] = [
  { param: "store", completions: "store", responses: "store", messages: undefined },
  { param: "prompt_cache_key", completions: "prompt_cache_key", responses: "prompt_cache_key", messages: undefined },
  { param: "prompt_cache_retention", completions: "prompt_cache_retention", responses: "prompt_cache_retention", messages: undefined },
  { param: "temperature", completions: "temperature", responses: "temperature", messages: "temperature" },
  { param: "reasoning_effort", completions: "reasoning_effort", responses: "reasoning", messages: undefined },
  { param: "parallel_tool_calls", completions: "parallel_tool_calls", responses: "parallel_tool_calls", messages: undefined },
  { param: "tool_choice", completions: "tool_choice", responses: "tool_choice", messages: "tool_choice" },
];

/** {@link GATED_PARAMS} per spelling, as [param, field] pairs: read for every model of a catalog. */
const GATED_BY_SPELLING: Readonly<Record<ParamSpelling, readonly [string, FieldPath][]>> = {
  completions: GATED_PARAMS.flatMap((
    gated,
  ) => (gated.completions === undefined ? [] : [[gated.param, gated.completions] as [string, FieldPath]])),
  responses: GATED_PARAMS.flatMap((
    gated,
  ) => (gated.responses === undefined ? [] : [[gated.param, gated.responses] as [string, FieldPath]])),
  messages: GATED_PARAMS.flatMap((gated) => (gated.messages === undefined ? [] : [[gated.param, gated.messages] as [string, FieldPath]])),
};

/**
 * The fields the proxy's `supported_openai_params` rules out for a model on a wire API.
 *
 * @example
 * ```ts
 * unsupportedFields(["stream", "tools", "reasoning_effort"], "openai-completions");
 * // ["store", "prompt_cache_key", "prompt_cache_retention", "temperature", "parallel_tool_calls", "tool_choice"]
 * ```
 */
export function unsupportedFields(supported: readonly string[], wireApi: WireApi): FieldPath[] {
  const fields: FieldPath[] = [];
  for (const [param, field] of GATED_BY_SPELLING[WIRE_API_TABLE[wireApi].spelling]) if (!supported.includes(param)) fields.push(field);
  return fields;
}

/** The fields to drop for a model, each with the reason of the first rule that names it. */
export type DropList = ReadonlyMap<FieldPath, string>;

/**
 * The static part of a model's policy: every field the table says its backend rejects on its wire
 * API. Callers add fields learned from errors or configured by the user.
 *
 * @example
 * ```ts
 * const drop = rejectedFields({ id: "claude-haiku-4-5", family: "claude", backend: "unknown", wireApi: "openai-completions" });
 * drop.has("prompt_cache_key"); // true
 * ```
 */
export function rejectedFields(subject: PolicySubject, rules: readonly RejectionRule[] = REJECTION_RULES): DropList {
  const drop = new Map<FieldPath, string>();
  for (const rule of rules) {
    if (!ruleApplies(rule, subject)) continue;
    for (const field of rule.fields) if (!drop.has(field)) drop.set(field, rule.why);
  }
  return drop;
}

/**
 * Fields a request cannot do without. No policy row, setting, learned or stored rule removes them:
 * a request without its prompt or model would "succeed" with an empty answer.
 */
export const PROTECTED_FIELDS: ReadonlySet<string> = new Set(["model", "messages", "input", "stream", "tools", "system"]);

/** Names every object answers to: never a request field, whatever an error message says. */
const PROTOTYPE_NAMES: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype", "hasOwnProperty", "toString", "valueOf"]);

/**
 * Whether a field may ever be dropped: one or two plain names (`store`, `stream_options.include_usage`),
 * neither a protected field nor a name every object has.
 *
 * @example
 * ```ts
 * isDroppable("stream_options.include_usage"); // true
 * isDroppable("messages"); // false
 * isDroppable("__proto__"); // false
 * ```
 */
export function isDroppable(field: string): boolean {
  const parts = field.split(".");
  return parts.length <= 2 && parts.every((part) => /^[A-Za-z_][\w-]*$/.test(part) && !PROTOTYPE_NAMES.has(part)) &&
    !PROTECTED_FIELDS.has(parts[0]!);
}

/** Deletes one dotted path, copying each object on the way so the caller's payload is untouched. */
function withoutField(target: Record<string, unknown>, path: readonly string[]): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined || !Object.hasOwn(target, head)) return target;
  const copy = { ...target };
  if (rest.length === 0) {
    delete copy[head];
    return copy;
  }
  const child = target[head];
  if (child === null || typeof child !== "object" || Array.isArray(child)) return target;
  const trimmed = withoutField(child as Record<string, unknown>, rest);
  // An emptied parent (`stream_options: {}`) is itself a field some backends reject.
  if (Object.keys(trimmed).length === 0) delete copy[head];
  else copy[head] = trimmed;
  return copy;
}

/**
 * Removes the given fields from a request payload, except those no request can do without
 * ({@link isDroppable}). Returns the payload itself when nothing was present, otherwise a copy;
 * nested objects on a dropped path are copied, never mutated.
 *
 * @example
 * ```ts
 * filterPayload({ model: "m", stream_options: { include_usage: true } }, ["stream_options.include_usage"]);
 * // { model: "m" }
 * ```
 */
export function filterPayload(payload: unknown, fields: Iterable<FieldPath>): unknown {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return payload;
  let result = payload as Record<string, unknown>;
  for (const field of fields) if (isDroppable(field)) result = withoutField(result, field.split("."));
  return result;
}

type PayloadHook = NonNullable<SimpleStreamOptions["onPayload"]>;

/**
 * An `onPayload` hook that filters the payload, lets the caller's hook (pi's
 * `before_provider_request`) see the filtered payload, and filters its replacement again, so no
 * other extension can put a rejected field back. `sent` receives what goes on the wire.
 */
export function filteringHook(drop: readonly FieldPath[], callerHook?: PayloadHook, sent?: (payload: unknown) => void): PayloadHook {
  return async (payload, model) => {
    let result = filterPayload(payload, drop);
    if (callerHook) {
      const replaced = await callerHook(result, model);
      if (replaced !== undefined) result = filterPayload(replaced, drop);
    }
    sent?.(result);
    return result;
  };
}
