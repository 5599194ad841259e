/**
 * Reads a backend's rejection of a request field out of an error message, whatever its phrasing
 * and however deeply LiteLLM nested the upstream body (JSON in a string in JSON), and resolves it to
 * a field of the payload that was sent.
 *
 * @module
 */

import { type FieldPath, isDroppable } from "./policy.ts";
import { replayRuleOf } from "./replay-rules.ts";
import type { WireApi } from "../types.ts";
import { WIRE_API_TABLE } from "./wire-apis.ts";

/** One way backends say "this field is not accepted": `names` is the capture holding the name(s). */
export interface RejectionPhrasing {
  pattern: RegExp;
  /** A message in this phrasing, as tests feed it to the parser. */
  example: string;
  /** Who phrases it this way. */
  origin: string;
}

/** Matches a field name, optionally quoted. */
const NAME = `['"]?([A-Za-z_][\\w.]*)['"]?`;

/** The phrasings, each with a real or representative example. Order does not matter. */
// deno-fmt-ignore -- a table reads one row per line
export const REJECTION_PHRASINGS: readonly RejectionPhrasing[] = [
  { pattern: /Unsupported parameter:\s*'([\w.]+)'/, example: "Unsupported parameter: 'temperature' is not supported with this model.", origin: "OpenAI, Azure (fixtures azure-gpt5-temperature, azure-max-tokens)" },
  { pattern: /Unknown parameter:\s*'([\w.]+)'/, example: "Unknown parameter: 'prompt_cache_retention'.", origin: "OpenAI" },
  { pattern: /Unrecognized request arguments? supplied:\s*([\w.,\s]+)/, example: "Unrecognized request argument supplied: prompt_cache_key", origin: "Azure (fixture azure-unrecognized-argument)" },
  { pattern: /([\w.]+):\s*Extra inputs are not permitted/, example: "store: Extra inputs are not permitted", origin: "Anthropic, Bedrock (pydantic)" },
  { pattern: /"loc":\s*\[\s*"body",\s*"([\w.]+)"[^\]]*\][^{}]*Extra inputs are not permitted/, example: '{"type":"extra_forbidden","loc":["body","store"],"msg":"Extra inputs are not permitted"}', origin: "vLLM, FastAPI" },
  { pattern: /does not support parameters:\s*\[([^\]]*)\]/, example: "vertex_ai does not support parameters: ['reasoning_effort'], for model=gemini-2.5-pro.", origin: "LiteLLM (fixture litellm-vertex-reasoning-effort)" },
  { pattern: /does not support parameters:\s*\{([^}]*)\}/, example: "LlmProviders.AZURE does not support parameters: {'temperature': 0.5}, for model=o3.", origin: "LiteLLM 1.106 (o-series on Responses: names and values)" },
  { pattern: /Unknown name "([\w.]+)"/, example: 'Invalid JSON payload received. Unknown name "reasoning_effort" at \'generation_config\': Cannot find field.', origin: "Google (fixture databricks-gemini-reasoning-effort)" },
  { pattern: /Unrecognized field "([\w.]+)"/, example: 'Bad request: Unrecognized field "prompt_cache_key"', origin: "Databricks, Jackson (fixture databricks-prompt-cache-key)" },
  { pattern: /does not support the ([\w.]+) parameter/, example: "Model eu.anthropic.claude-opus-5 does not support the temperature parameter.", origin: "Databricks (fixture databricks-claude-temperature)" },
  { pattern: /parameter "([\w.]+)" must be/, example: 'Bad request: parameter "reasoning_effort" must be a string', origin: "Databricks (fixture databricks-reasoning-dict)" },
  { pattern: new RegExp(`${NAME} is not supported (?:on|with|for) this model`), example: "prompt_cache_retention is not supported on this model", origin: "Azure (fixture azure-prompt-cache-retention)" },
  { pattern: /extraneous key \[([\w.]+)\] is not permitted/, example: "Malformed input request: #: extraneous key [store] is not permitted", origin: "Bedrock" },
  { pattern: /Additional properties are not allowed \(([^)]*) (?:was|were) unexpected\)/, example: "Additional properties are not allowed ('store' was unexpected)", origin: "JSON Schema validators" },
  { pattern: /(?:doesn't|don't) support ([A-Za-z_][\w.]*)=/, example: "gpt-5 doesn't support temperature=0.5 while reasoning is active. Only temperature=1 is supported", origin: "LiteLLM 1.106 (its own checks for GPT-5 and o-series)" },
  { pattern: /unknown field:?\s*(?:parameter\s+)?"?([A-Za-z_][\w.]*)"?/i, example: 'invalid request: unknown field "store"', origin: "Go decoders, Cohere" },
];

/** Names backends use for a field the Responses API spells differently. */
const RESPONSES_ALIASES: Readonly<Record<string, FieldPath>> = {
  reasoning_effort: "reasoning",
  effort: "reasoning",
  max_tokens: "max_output_tokens",
  max_completion_tokens: "max_output_tokens",
};

/** Statuses worth learning from: validation errors, and LiteLLM's 500 around an upstream one. */
const LEARNABLE_STATUSES: ReadonlySet<number> = new Set([400, 422, 500]);

/**
 * Fields whose loss a user would not see but would pay for: thinking turned off, caching gone. A
 * 400 or 422 naming one is the backend's validation and is learned; a 5xx only when it wraps one
 * ({@link UPSTREAM_VALIDATION}): otherwise it may be any failure that happens to quote the request.
 */
const CAPABILITY_FIELDS: ReadonlySet<string> = new Set([
  "reasoning",
  "reasoning_effort",
  "thinking",
  "output_config",
  "include",
  "prompt_cache_key",
  "prompt_cache_retention",
  "store",
]);

/**
 * How a 5xx shows that it wraps the backend's validation error: LiteLLM reports Databricks' and
 * Azure's 400s inside a 500 `APIConnectionError` (litellm/llms/databricks, litellm/llms/azure).
 */
const UPSTREAM_VALIDATION = /BAD_REQUEST|Bad request|BadRequestError|invalid_request_error|Error code: 4\d\d/i;

/** Whether dropping a field would turn thinking or caching off. */
export function isCapabilityField(field: FieldPath): boolean {
  return CAPABILITY_FIELDS.has(field.split(".")[0]!);
}

/** Undoes the escaping of JSON nested in strings, to any depth: `\\\"x\\\"` reads `"x"`. */
export function unescapeNested(message: string): string {
  return message.replace(/\\+(["'])/g, "$1").replace(/\\+n/g, "\n");
}

/**
 * Every field name the message says was rejected, in the order the phrasings find them.
 *
 * @example
 * ```ts
 * rejectedNames('{"message":"Unknown name \\\\\\"reasoning_effort\\\\\\" at ..."}'); // ["reasoning_effort"]
 * ```
 */
export function rejectedNames(message: string): string[] {
  const text = unescapeNested(message);
  const names: string[] = [];
  for (const phrasing of REJECTION_PHRASINGS) {
    const captured = phrasing.pattern.exec(text)?.[1];
    if (!captured) continue;
    for (const match of captured.matchAll(/['"]?([A-Za-z_][\w.]*)['"]?/g)) if (!names.includes(match[1]!)) names.push(match[1]!);
  }
  return names;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function present(payload: Record<string, unknown>, path: FieldPath): boolean {
  const [head, child] = path.split(".");
  if (!Object.hasOwn(payload, head!)) return false;
  const value = payload[head!];
  return child === undefined ? value !== undefined : isObject(value) && Object.hasOwn(value, child) && value[child] !== undefined;
}

/**
 * The payload field a rejected name refers to: the name itself, its Responses API spelling, or a
 * field nested one level down (`include_usage` lives in `stream_options`). `undefined` when the
 * request did not carry it, or cannot do without it (a name every object has is never one).
 */
export function payloadField(name: string, payload: unknown, wireApi: WireApi): FieldPath | undefined {
  if (!isObject(payload)) return undefined;
  const candidates = [name, ...(WIRE_API_TABLE[wireApi].spelling === "responses" ? [RESPONSES_ALIASES[name]] : [])];
  for (const [key, value] of Object.entries(payload)) if (isObject(value) && Object.hasOwn(value, name)) candidates.push(`${key}.${name}`);
  return candidates.find((field): field is FieldPath => field !== undefined && isDroppable(field) && present(payload, field));
}

/**
 * The field to drop and retry without, if the error is a validation error naming a field the
 * request carried. Never for authentication, permission or rate-limit errors, and never a thinking
 * or caching field on a 5xx.
 *
 * @example
 * ```ts
 * learnableField("400 litellm.BadRequestError: ... Unrecognized request argument supplied: store", { store: false }, "openai-completions");
 * // "store"
 * learnableField("401 Authentication Error ... store", { store: false }, "openai-completions"); // undefined
 * ```
 */
export function learnableField(message: string, payload: unknown, wireApi: WireApi): FieldPath | undefined {
  const status = /^(\d{3})\s/.exec(message)?.[1];
  if (status !== undefined && !LEARNABLE_STATUSES.has(Number(status))) return undefined;
  // A replay rule names fields (`thinking`, `signature`) that are not rejected parameters.
  if (replayRuleOf(message)) return undefined;
  for (const name of rejectedNames(message)) {
    const field = payloadField(name, payload, wireApi);
    if (field === undefined || (Number(status) >= 500 && isCapabilityField(field) && !UPSTREAM_VALIDATION.test(message))) continue;
    return field;
  }
  return undefined;
}
