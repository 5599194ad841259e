/**
 * Turns the environment into one validated configuration. Problems come back as one-line messages
 * naming what to fix; a bad optional value is reported and skipped, never fatal, never silent.
 *
 * @module
 */

import { WIRE_APIS, type WireApi } from "./types.ts";

/** A user's choice of wire API for the models whose id matches `pattern` (a `*` glob). */
export interface WireApiOverride {
  pattern: string;
  api: WireApi;
}

/** Everything the extension needs to reach one proxy. */
export interface LiteLLMConfig {
  /** The pi provider name models are registered under. */
  providerName: string;
  /** Proxy root without a trailing `/` or `/v1`, e.g. `https://llm.example.com`. */
  baseUrl: string;
  /** Where the URL came from, to name in messages. */
  baseUrlVariable: string;
  /** The key, resolved; `undefined` for a proxy that runs without keys. */
  apiKey: string | undefined;
  /** The variable to name in messages about the key. */
  apiKeyVariable: string;
  wireApiOverrides: readonly WireApiOverride[];
  discoveryTimeoutMs: number;
}

/** A configuration, or why there is none, plus non-fatal problems with optional values. */
export interface ConfigResult {
  config?: LiteLLMConfig;
  problems: string[];
}

/** The environment variables read, with the defaults the README documents. */
export const ENV = {
  baseUrl: "LITELLM_BASE_URL",
  apiKey: "LITELLM_API_KEY",
  fallbackBaseUrl: "OPENAI_BASE_URL",
  fallbackApiKey: "OPENAI_API_KEY",
  wireApi: "LITELLM_WIRE_API",
  discoveryTimeout: "LITELLM_DISCOVERY_TIMEOUT_MS",
} as const;

/** Default provider name. */
export const DEFAULT_PROVIDER_NAME = "litellm";
/** Default bound on discovery at startup, in milliseconds. */
export const DEFAULT_DISCOVERY_TIMEOUT_MS = 3_000;

type Env = Readonly<Record<string, string | undefined>>;

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * Normalizes a proxy URL to its root: trailing `/` and `/v1` removed, path prefixes kept.
 * Returns an error message instead when the URL cannot be used.
 *
 * @example
 * ```ts
 * normalizeBaseUrl("http://localhost:4000/v1/"); // { url: "http://localhost:4000" }
 * normalizeBaseUrl("https://gw.example.com/litellm"); // { url: "https://gw.example.com/litellm" }
 * ```
 */
export function normalizeBaseUrl(raw: string, variable: string): { url: string } | { error: string } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { error: `${variable} is not a URL; set it to your proxy, e.g. http://localhost:4000` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { error: `${variable} must start with http:// or https://` };
  }
  if (url.username || url.password) {
    return { error: `${variable} contains credentials; put the key in ${ENV.apiKey} instead` };
  }
  const path = url.pathname.replace(/\/+$/, "").replace(/\/v1$/, "");
  return { url: `${url.origin}${path}` };
}

/**
 * Parses `LITELLM_WIRE_API`: comma-separated entries, each a wire API for every model or
 * `glob=api` for models whose id matches the glob. Invalid entries are reported and skipped.
 *
 * @example
 * ```ts
 * parseWireApiOverrides("gpt-*=openai-completions,openai-responses").overrides;
 * // [{ pattern: "gpt-*", api: "openai-completions" }, { pattern: "*", api: "openai-responses" }]
 * ```
 */
export function parseWireApiOverrides(raw: string, variable: string = ENV.wireApi): {
  overrides: WireApiOverride[];
  problems: string[];
} {
  const overrides: WireApiOverride[] = [];
  const problems: string[] = [];
  for (const entry of raw.split(",").map((part) => part.trim()).filter(Boolean)) {
    const separator = entry.lastIndexOf("=");
    const pattern = separator === -1 ? "*" : entry.slice(0, separator).trim();
    const api = (separator === -1 ? entry : entry.slice(separator + 1)).trim();
    if (!isWireApi(api) || pattern === "") {
      problems.push(`${variable}: ignoring "${entry}"; use ${WIRE_APIS.join(", ")} or model-glob=api`);
      continue;
    }
    overrides.push({ pattern, api });
  }
  return { overrides, problems };
}

/** Whether a string names one of the supported wire APIs. */
export function isWireApi(value: string): value is WireApi {
  return (WIRE_APIS as readonly string[]).includes(value);
}

/**
 * Compiles a `*` glob into an anchored, case-insensitive regular expression.
 *
 * @example
 * ```ts
 * globToRegExp("claude-*").test("Claude-Sonnet-4"); // true
 * ```
 */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`, "i");
}

/** The wire API the user chose for a model, if any override matches its id. */
export function overriddenWireApi(config: Pick<LiteLLMConfig, "wireApiOverrides">, modelId: string): WireApi | undefined {
  return config.wireApiOverrides.find((override) => globToRegExp(override.pattern).test(modelId))?.api;
}

function parseTimeout(raw: string | undefined, problems: string[]): number {
  if (raw === undefined) return DEFAULT_DISCOVERY_TIMEOUT_MS;
  const value = Number(raw);
  if (Number.isInteger(value) && value > 0) return value;
  problems.push(`${ENV.discoveryTimeout}: "${raw}" is not a positive number of milliseconds; using ${DEFAULT_DISCOVERY_TIMEOUT_MS}`);
  return DEFAULT_DISCOVERY_TIMEOUT_MS;
}

/**
 * Resolves the configuration from environment variables.
 *
 * `LITELLM_BASE_URL` wins; without it, `OPENAI_BASE_URL` is the proxy. The key comes from
 * `LITELLM_API_KEY`, or from `OPENAI_API_KEY` only when the URL came from `OPENAI_BASE_URL` too:
 * an OpenAI key is never sent to a host it was not set for.
 *
 * @example
 * ```ts
 * const { config } = resolveConfig({ LITELLM_BASE_URL: "http://localhost:4000/v1", LITELLM_API_KEY: "sk-1" });
 * config?.baseUrl; // "http://localhost:4000"
 * ```
 */
export function resolveConfig(env: Env): ConfigResult {
  const problems: string[] = [];
  const ownUrl = nonEmpty(env[ENV.baseUrl]);
  const fallbackUrl = nonEmpty(env[ENV.fallbackBaseUrl]);
  const urlVariable = ownUrl ? ENV.baseUrl : fallbackUrl ? ENV.fallbackBaseUrl : undefined;
  if (urlVariable === undefined) {
    return { problems: [`LiteLLM provider is off: set ${ENV.baseUrl} (and ${ENV.apiKey}) to your proxy, e.g. http://localhost:4000`] };
  }
  const normalized = normalizeBaseUrl((ownUrl ?? fallbackUrl)!, urlVariable);
  if ("error" in normalized) return { problems: [normalized.error] };

  const keyVariable = nonEmpty(env[ENV.apiKey])
    ? ENV.apiKey
    : urlVariable === ENV.fallbackBaseUrl && nonEmpty(env[ENV.fallbackApiKey])
    ? ENV.fallbackApiKey
    : undefined;
  const wire = parseWireApiOverrides(env[ENV.wireApi] ?? "");
  problems.push(...wire.problems);

  return {
    config: {
      providerName: DEFAULT_PROVIDER_NAME,
      baseUrl: normalized.url,
      baseUrlVariable: urlVariable,
      apiKey: keyVariable ? nonEmpty(env[keyVariable]) : undefined,
      apiKeyVariable: keyVariable ?? ENV.apiKey,
      wireApiOverrides: wire.overrides,
      discoveryTimeoutMs: parseTimeout(nonEmpty(env[ENV.discoveryTimeout]), problems),
    },
    problems,
  };
}
