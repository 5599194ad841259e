/**
 * What a model id tells us when the proxy tells us nothing: its family (who designed the API behind
 * it), its backend (who hosts it), and conservative capabilities. Pure data plus two lookups; the
 * first matching row wins, so specific rows come before their family's catch-all.
 *
 * Ids are matched after {@link normalizeModelId}: lower case, `_` and dots between digits turned
 * into `-`, so `claude-3.5-sonnet`, `claude-3-5-sonnet` and `Claude_3_5_Sonnet` read alike.
 *
 * @module
 */

import type { WireApi } from "./types.ts";
import { FAMILY_THINKING, type ThinkingLevelMap } from "./thinking.ts";

/** The model families the parameter policy distinguishes. `unknown` fails open: it sends everything. */
export type Family =
  | "claude"
  | "gemini"
  | "gpt-4"
  | "gpt-5"
  | "o-series"
  | "gpt-oss"
  | "llama"
  | "mistral"
  | "nova"
  | "deepseek"
  | "qwen"
  | "unknown";

/** Capabilities pi needs for a model definition. */
export interface Capabilities {
  reasoning: boolean;
  vision: boolean;
  contextWindow: number;
  maxTokens: number;
  /** Levels the family's backends reject, as `null`; absent levels pass through unchanged. */
  thinkingLevelMap?: ThinkingLevelMap;
}

/** One row of {@link FAMILY_TABLE}. */
export interface FamilyRow extends Capabilities {
  pattern: RegExp;
  family: Family;
}

/** Matches a token that is not glued to a preceding letter or digit (`o3` but not `pro3`). */
const NOT_AFTER_ALNUM = "(?<![a-z0-9])";

/**
 * Family rows, most specific first. Limits follow the vendors' published figures, rounded down where
 * backends differ (the 1M-token Claude window needs a beta header many proxies do not send).
 */
// deno-fmt-ignore -- a table reads one row per line
export const FAMILY_TABLE: readonly FamilyRow[] = [
  // Anthropic Claude
  { pattern: /claude-3-haiku|claude-3-(?:opus|sonnet)/, family: "claude", reasoning: false, vision: true, contextWindow: 200_000, maxTokens: 4_096 },
  { pattern: /claude-3-5-(?:haiku|sonnet)|claude-(?:haiku|sonnet)-3-5/, family: "claude", reasoning: false, vision: true, contextWindow: 200_000, maxTokens: 8_192 },
  { pattern: /claude-opus-4(?:-[01])?(?:-[0-9]{8})?(?!-?[0-9])|claude-4-opus/, family: "claude", reasoning: true, vision: true, contextWindow: 200_000, maxTokens: 32_000, thinkingLevelMap: FAMILY_THINKING.claude },
  { pattern: /claude|opus|sonnet|haiku/, family: "claude", reasoning: true, vision: true, contextWindow: 200_000, maxTokens: 64_000, thinkingLevelMap: FAMILY_THINKING.claude },
  // Google Gemini
  { pattern: /gemini-1-5|gemini-2-0/, family: "gemini", reasoning: false, vision: true, contextWindow: 1_000_000, maxTokens: 8_192 },
  { pattern: /gemini/, family: "gemini", reasoning: true, vision: true, contextWindow: 1_000_000, maxTokens: 65_536, thinkingLevelMap: FAMILY_THINKING.gemini },
  // OpenAI
  { pattern: /gpt-oss/, family: "gpt-oss", reasoning: true, vision: false, contextWindow: 131_072, maxTokens: 32_768, thinkingLevelMap: FAMILY_THINKING.gptOss },
  { pattern: /gpt-5(?:-[0-9]+)?-chat/, family: "gpt-5", reasoning: false, vision: true, contextWindow: 128_000, maxTokens: 16_384 },
  { pattern: /gpt-5-(?:[2-9]|[0-9]{2})(?![0-9])/, family: "gpt-5", reasoning: true, vision: true, contextWindow: 272_000, maxTokens: 128_000, thinkingLevelMap: FAMILY_THINKING.gpt5Point2 },
  { pattern: /gpt-5/, family: "gpt-5", reasoning: true, vision: true, contextWindow: 272_000, maxTokens: 128_000, thinkingLevelMap: FAMILY_THINKING.gpt5 },
  { pattern: /gpt-4-1/, family: "gpt-4", reasoning: false, vision: true, contextWindow: 1_047_576, maxTokens: 32_768 },
  { pattern: /gpt-4o/, family: "gpt-4", reasoning: false, vision: true, contextWindow: 128_000, maxTokens: 16_384 },
  { pattern: /gpt-4-turbo/, family: "gpt-4", reasoning: false, vision: true, contextWindow: 128_000, maxTokens: 4_096 },
  { pattern: /gpt-4(?![0-9])/, family: "gpt-4", reasoning: false, vision: false, contextWindow: 8_192, maxTokens: 4_096 },
  { pattern: new RegExp(`${NOT_AFTER_ALNUM}o[13]-mini`), family: "o-series", reasoning: true, vision: false, contextWindow: 128_000, maxTokens: 65_536, thinkingLevelMap: FAMILY_THINKING.oSeries },
  { pattern: new RegExp(`${NOT_AFTER_ALNUM}o[1-9](?![0-9])`), family: "o-series", reasoning: true, vision: true, contextWindow: 200_000, maxTokens: 100_000, thinkingLevelMap: FAMILY_THINKING.oSeries },
  // Open-weight and other vendors
  { pattern: /llama-?4/, family: "llama", reasoning: false, vision: true, contextWindow: 128_000, maxTokens: 8_192 },
  { pattern: /llama-3-2-(?:11|90)b/, family: "llama", reasoning: false, vision: true, contextWindow: 128_000, maxTokens: 4_096 },
  { pattern: /llama/, family: "llama", reasoning: false, vision: false, contextWindow: 128_000, maxTokens: 4_096 },
  { pattern: /mixtral/, family: "mistral", reasoning: false, vision: false, contextWindow: 32_000, maxTokens: 4_096 },
  { pattern: /pixtral/, family: "mistral", reasoning: false, vision: true, contextWindow: 128_000, maxTokens: 8_192 },
  { pattern: /magistral/, family: "mistral", reasoning: true, vision: false, contextWindow: 40_000, maxTokens: 8_192, thinkingLevelMap: FAMILY_THINKING.alwaysReasons },
  { pattern: /mistral|codestral|ministral|devstral/, family: "mistral", reasoning: false, vision: false, contextWindow: 128_000, maxTokens: 8_192 },
  { pattern: /nova-micro/, family: "nova", reasoning: false, vision: false, contextWindow: 128_000, maxTokens: 5_000 },
  { pattern: new RegExp(`${NOT_AFTER_ALNUM}nova-(?:pro|lite)`), family: "nova", reasoning: false, vision: true, contextWindow: 300_000, maxTokens: 5_000 },
  { pattern: new RegExp(`${NOT_AFTER_ALNUM}nova`), family: "nova", reasoning: false, vision: false, contextWindow: 128_000, maxTokens: 5_000 },
  { pattern: /deepseek-(?:r1|reasoner)/, family: "deepseek", reasoning: true, vision: false, contextWindow: 64_000, maxTokens: 8_192, thinkingLevelMap: FAMILY_THINKING.alwaysReasons },
  { pattern: /deepseek/, family: "deepseek", reasoning: false, vision: false, contextWindow: 64_000, maxTokens: 8_192 },
  { pattern: /qwen[-0-9.]*-?vl/, family: "qwen", reasoning: false, vision: true, contextWindow: 32_000, maxTokens: 8_192 },
  { pattern: /qwq|qwen-?3.*thinking/, family: "qwen", reasoning: true, vision: false, contextWindow: 128_000, maxTokens: 8_192, thinkingLevelMap: FAMILY_THINKING.alwaysReasons },
  { pattern: /qwen/, family: "qwen", reasoning: false, vision: false, contextWindow: 128_000, maxTokens: 8_192 },
];

/** Every family pattern at once, to skip the ordered scan for ids no row matches; the table stays the single source. */
const ANY_FAMILY = new RegExp(FAMILY_TABLE.map((row) => `(?:${row.pattern.source})`).join("|"));

/**
 * Capabilities of an id no row matches: text only, no thinking, and limits small enough that a real
 * backend will not reject the request for asking too much. Proxy metadata replaces them when present.
 */
export const UNKNOWN_FAMILY: FamilyRow = {
  pattern: /$^/,
  family: "unknown",
  reasoning: false,
  vision: false,
  contextWindow: 32_768,
  maxTokens: 4_096,
};

/**
 * The wire API each family speaks by default, and why:
 * - Claude: Anthropic Messages (`/v1/messages`, which LiteLLM serves for every backend). Only it
 *   keeps the signed thinking block a tool-call turn must be replayed with; Chat Completions loses
 *   the signature, so a tool loop with thinking fails at its first tool result.
 * - OpenAI models: the Responses API (what pi uses for OpenAI itself: reasoning items,
 *   `prompt_cache_key`).
 * - Everyone else: Chat Completions, the route LiteLLM implements natively for every backend. Its
 *   Responses bridge for non-OpenAI models is lossy (it forwards `reasoning` as a dict, drops
 *   `cache_control`).
 */
export const DEFAULT_WIRE_API: Readonly<Record<Family, WireApi>> = {
  claude: "anthropic-messages",
  gemini: "openai-completions",
  "gpt-4": "openai-responses",
  "gpt-5": "openai-responses",
  "o-series": "openai-responses",
  "gpt-oss": "openai-completions",
  llama: "openai-completions",
  mistral: "openai-completions",
  nova: "openai-completions",
  deepseek: "openai-completions",
  qwen: "openai-completions",
  unknown: "openai-completions",
};

/**
 * `litellm_provider` values that mean an Anthropic model behind the name, so an id no family row
 * knows still takes the Messages route.
 */
export const ANTHROPIC_PROVIDERS: ReadonlySet<string> = new Set(["anthropic", "vertex_ai-anthropic_models"]);

/**
 * Known families whose backends do not implement OpenAI's request semantics: no `store`,
 * `prompt_cache_key` or `developer` role. Unknown ids are not among them: they fail open.
 */
export const NON_OPENAI_FAMILIES: readonly Family[] = ["claude", "gemini", "gpt-oss", "llama", "mistral", "nova", "deepseek", "qwen"];

/** Who hosts a model; the parameter policy has rules per backend as well as per family. */
export type Backend = "databricks" | "azure" | "bedrock" | "vertex" | "gemini" | "anthropic" | "openai" | "unknown";

/** Backend recognised from a LiteLLM route prefix or a hosting-specific naming convention. */
export const BACKEND_TABLE: readonly { pattern: RegExp; backend: Backend }[] = [
  { pattern: /^databricks[/-]|\/databricks-/, backend: "databricks" },
  { pattern: /^azure(?:_ai)?\//, backend: "azure" },
  { pattern: /^bedrock\/|^(?:us|eu|apac|global)\.(?:anthropic|amazon|meta|mistral|deepseek)\./, backend: "bedrock" },
  { pattern: /^vertex_ai(?:_beta)?\//, backend: "vertex" },
  { pattern: /^gemini\//, backend: "gemini" },
  { pattern: /^anthropic\//, backend: "anthropic" },
  { pattern: /^openai\//, backend: "openai" },
];

/** LiteLLM `litellm_provider` values that name a backend differently from its route prefix. */
const PROVIDER_ALIASES: Readonly<Record<string, Backend>> = {
  databricks: "databricks",
  azure: "azure",
  azure_ai: "azure",
  bedrock: "bedrock",
  bedrock_converse: "bedrock",
  vertex_ai: "vertex",
  "vertex_ai-language-models": "vertex",
  "vertex_ai-anthropic_models": "vertex",
  gemini: "gemini",
  anthropic: "anthropic",
  openai: "openai",
  text_completion_openai: "openai",
};

/** Lower-cases an id and unifies the separators vendors and proxies use interchangeably. */
export function normalizeModelId(id: string): string {
  return id.toLowerCase().replace(/_/g, "-").replace(/(?<=[0-9])\.(?=[0-9])/g, "-");
}

/**
 * The family row for a model: from its id, else from the upstream model behind a LiteLLM alias
 * (an alias like `smart` says nothing; `databricks/databricks-claude-sonnet-4` does).
 *
 * @example
 * ```ts
 * familyOf("databricks-claude-sonnet-4").family; // "claude"
 * familyOf("smart", "vertex_ai/gemini-2.5-pro").family; // "gemini"
 * familyOf("my-model").family; // "unknown"
 * ```
 */
export function familyOf(id: string, upstreamModel?: string): FamilyRow {
  for (const candidate of [id, upstreamModel]) {
    if (candidate === undefined) continue;
    const normalized = normalizeModelId(candidate);
    if (!ANY_FAMILY.test(normalized)) continue;
    const row = FAMILY_TABLE.find((entry) => entry.pattern.test(normalized));
    if (row) return row;
  }
  return UNKNOWN_FAMILY;
}

/**
 * The backend serving a model: the proxy's `litellm_provider` when known, else the route prefix or
 * naming convention of the id or of the upstream model.
 *
 * @example
 * ```ts
 * backendOf("databricks-gemini-2-5-pro"); // "databricks"
 * backendOf("gpt-4o", "azure/gpt-4o-eu"); // "azure"
 * backendOf("gpt-4o", undefined, "openai"); // "openai"
 * ```
 */
export function backendOf(id: string, upstreamModel?: string, litellmProvider?: string): Backend {
  const fromProvider = litellmProvider === undefined ? undefined : PROVIDER_ALIASES[litellmProvider.toLowerCase()];
  if (fromProvider) return fromProvider;
  for (const candidate of [id, upstreamModel]) {
    if (candidate === undefined) continue;
    const lowered = candidate.toLowerCase();
    const row = BACKEND_TABLE.find((entry) => entry.pattern.test(lowered));
    if (row) return row.backend;
  }
  return "unknown";
}

/** What a model id (and what the proxy says of it) tells: its family row, backend and default wire API. */
export interface ModelIdentity {
  traits: FamilyRow;
  backend: Backend;
  /** The wire API it is spoken to with unless the user says otherwise. */
  wireApi: WireApi;
}

/**
 * Family, backend and default wire API of a model in one look: the id, else the upstream model
 * behind an alias; the family's wire API unless the proxy says more (a Responses-only model, an
 * unknown id it reports as Anthropic-served).
 *
 * @example
 * ```ts
 * const identity = identify("databricks-claude-sonnet-4");
 * [identity.traits.family, identity.backend, identity.wireApi]; // ["claude", "databricks", "anthropic-messages"]
 * ```
 */
export function identify(id: string, info: { upstreamModel?: string; backend?: string; responsesOnly?: boolean } = {}): ModelIdentity {
  const traits = familyOf(id, info.upstreamModel);
  const backend = backendOf(id, info.upstreamModel, info.backend);
  const anthropicServed = traits.family === "unknown" && ANTHROPIC_PROVIDERS.has(info.backend?.toLowerCase() ?? "");
  const wireApi = info.responsesOnly ? "openai-responses" : anthropicServed ? "anthropic-messages" : DEFAULT_WIRE_API[traits.family];
  return { traits, backend, wireApi };
}

/** The two token limits every model has, as the family table and the proxy state them. */
export type Limit = "contextWindow" | "maxTokens";

/**
 * The token limits a model can sensibly have. A value outside is a proxy's mistake (a fraction, a
 * 1-token window that would make pi compact after every answer) and the family's value is used.
 */
export const LIMIT_BOUNDS: Readonly<Record<Limit, { min: number; max: number }>> = {
  contextWindow: { min: 1_024, max: 100_000_000 },
  maxTokens: { min: 16, max: 10_000_000 },
};

/** Whether a value is a whole number of tokens within the bounds of its limit. */
export function isLimit(limit: Limit, value: unknown): value is number {
  const { min, max } = LIMIT_BOUNDS[limit];
  return Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
}
