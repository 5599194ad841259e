/**
 * The shared vocabulary of the extension: wire APIs, what the proxy tells us about a model, and the
 * catalog discovery produces. Types only, plus the one list of wire APIs every module validates against.
 *
 * @module
 */

/**
 * The pi-ai wire APIs a LiteLLM proxy can be spoken to with. What each one is (route, auth, stream
 * implementation) is a row of `WIRE_API_TABLE` in `wire-apis.ts`.
 */
export const WIRE_APIS = ["openai-completions", "openai-responses", "azure-openai-responses", "anthropic-messages"] as const;

/** One of {@link WIRE_APIS}: which pi-ai stream implementation carries a model's requests. */
export type WireApi = typeof WIRE_APIS[number];

/** Prices in dollars per million tokens, the unit pi's model definitions use. */
export interface ModelCost {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * What the proxy reported about one model name, already merged across its deployments. Every field is
 * optional: old proxies report nothing, and name patterns fill the gaps.
 */
export interface ProxyModelInfo {
  contextWindow?: number;
  maxTokens?: number;
  vision?: boolean;
  reasoning?: boolean;
  promptCaching?: boolean;
  cost?: Partial<ModelCost>;
  /** `litellm_provider` or the prefix of `litellm_params.model`: which backend serves it. */
  backend?: string;
  /** The upstream model behind the alias, e.g. `databricks/databricks-claude-sonnet-4`. */
  upstreamModel?: string;
  /** Request fields the proxy says the backend accepts; anything OpenAI-shaped not listed is not sent. */
  supportedParams?: readonly string[];
  /** Reasoning efforts the backend accepts (`supported_reasoning_efforts`). */
  reasoningEfforts?: readonly string[];
  /** LiteLLM's `mode: "responses"`: the model is only served on the Responses API. */
  responsesOnly?: boolean;
  /** Limits the proxy reported that no model can have (`max_output_tokens=0.5`); the family's apply. */
  ignoredLimits?: readonly string[];
}

/** One chat model the proxy offers. */
export interface CatalogEntry {
  id: string;
  info?: ProxyModelInfo;
}

/** Where a catalog came from, for `/litellm` and for deciding whether to refresh. */
export type CatalogSource = "model/info" | "models";

/** The models discovered on one proxy. */
export interface Catalog {
  source: CatalogSource;
  /** Epoch milliseconds of the discovery that produced it. */
  fetchedAt: number;
  models: CatalogEntry[];
  /** Wire APIs whose route the proxy answered 404 for; their models take the route's fallback. */
  unservedRoutes?: WireApi[];
}

/**
 * "It worked, here is the value" or "here is the problem": by default one line the user can read,
 * or a richer problem (`ProxyFailure`) where callers decide on its kind.
 */
export type Result<T, P = string> = { ok: true; value: T } | { ok: false; problem: P };
