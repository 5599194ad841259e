/**
 * Turns the environment and the `litellm` settings into one validated configuration per provider
 * (the main one and its aliases). Problems come back as one-line messages naming what to fix; a bad
 * optional value is reported and skipped, never fatal, never silent.
 *
 * Precedence: `LITELLM_*` variables, then settings, then what `/login` stored in pi's credential
 * store, then the `OPENAI_*` fallback.
 *
 * @module
 */

import type { ModelOverride } from "./model-settings.ts";
import type { LiteLLMSettings, McpExposure, ProxySettings } from "./settings.ts";
import { BUDGET_WARNING_SHARES } from "../requests/spend.ts";
import type { Result } from "../types.ts";
import {
  ENV,
  type Env,
  firstSource,
  isSecretHeader,
  nonEmpty,
  normalizeBaseUrl,
  parseTimeout,
  parseWireApiOverrides,
  type Reference,
  resolveHeaders,
  resolveReference,
  sameRoot,
  type Source,
} from "./values.ts";

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
  /**
   * The key is the one `/login` stored in pi's credential store. pi then looks it up per request
   * itself, so `/logout` applies at once; a key from the environment or settings is pinned instead,
   * because pi's lookup would put a stored login first.
   */
  keyFromLogin?: boolean;
  /** The variable (or setting) to name in messages about the key. */
  apiKeyVariable: string;
  /** Extra headers on every request to the proxy, values resolved. */
  headers: Readonly<Record<string, string>>;
  /**
   * Values never to print: the key, and every header value that came from a `$VAR` reference or
   * sits in a credential header (`authorization`, `x-litellm-api-key`...).
   */
  secrets: readonly string[];
  /** Globs of model ids not to register. */
  hide: readonly string[];
  /** Per-model settings, in the order they apply (later ones win field by field). */
  modelOverrides: readonly ModelOverride[];
  discoveryTimeoutMs: number;
  /** LiteLLM's MCP gateway as pi registers it, or `undefined` when it is off. */
  mcp?: { name: string; exposure?: McpExposure };
  /** The spend in pi's footer, and the shares of the key's budget warned at (the footer on, 80 % and 95 %, unless settings say otherwise). */
  spend?: SpendSettings;
}

/** How the spend is shown and warned about, from the `litellm.spend` settings. */
export interface SpendSettings {
  /** The spend in pi's footer; on unless settings turn it off. */
  footer: boolean;
  /** The shares of the key's budget to warn at, once each, lowest first. */
  warnAt: readonly number[];
}

/** The configurations, or why there is none, plus non-fatal problems with optional values. */
export interface ConfigResult {
  configs: LiteLLMConfig[];
  /** Every line to show, `off` among them when it is set. */
  problems: string[];
  /** Why no provider is registered, when none is: the line `/litellm` shows. */
  off?: string;
}

/** Default provider name. */
export const DEFAULT_PROVIDER_NAME = "litellm";

/**
 * What `/login` left in pi's credential store for the main provider: the key, and the proxy it was
 * checked against (none for a bare key stored by pi's own API-key login, which is the provider's).
 */
export interface StoredLogin {
  /** The proxy root the key was checked against; absent for a bare key. */
  baseUrl?: string;
  /** The key; empty for a proxy without keys. */
  apiKey: string;
}

/** How lines about a stored login name it: the command that stores it. */
export function loginLabel(providerName: string): string {
  return `/login ${providerName}`;
}

/** What the main provider and its aliases share: everything but where they point and the key. */
interface Shared {
  headers: Record<string, string>;
  secrets: string[];
  hide: string[];
  modelOverrides: ModelOverride[];
  discoveryTimeoutMs: number;
  spend: SpendSettings;
}

/** One provider from its URL and key sources, or why its URL cannot be used; lesser problems go to `problems`. */
function proxyConfig(
  name: string,
  url: Source,
  key: Source | undefined,
  shared: Shared,
  env: Env,
  problems: string[],
  keySetting: string = ENV.apiKey,
  holdsLogin = false,
): Result<LiteLLMConfig> {
  const normalized = normalizeBaseUrl(url.raw, url.variable);
  if (!normalized.ok) return normalized;
  const reference: Result<Reference> | undefined = key?.literal
    ? { ok: true, value: { value: key.raw } }
    : key
    ? resolveReference(key.raw, env)
    : undefined;
  if (reference && !reference.ok) problems.push(`${key!.variable}: $${reference.problem} is not set; ${name} connects without a key`);
  // An unset reference still names its variable in lines about the key.
  const resolved: { value?: string; variable?: string } = reference?.ok ? reference.value : { variable: reference?.problem };
  return {
    ok: true,
    value: {
      providerName: name,
      baseUrl: normalized.value,
      baseUrlVariable: url.variable,
      apiKey: resolved.value,
      // Only the main provider has the login in pi's store; an alias sharing its key pins it.
      ...(holdsLogin && key?.literal && resolved.value ? { keyFromLogin: true } : {}),
      apiKeyVariable: resolved.variable ?? key?.variable ?? keySetting,
      ...shared,
      secrets: [...new Set([...(resolved.value ? [resolved.value] : []), ...shared.secrets])],
    },
  };
}

/**
 * Resolves every provider: the main one from `LITELLM_*`, settings, the stored `login` and the
 * `OPENAI_*` fallback, and one per alias in settings.
 *
 * The key comes from `LITELLM_API_KEY`, else settings, else the login when its proxy is the URL's,
 * else `OPENAI_API_KEY` only when the URL came from `OPENAI_BASE_URL` too: a key is never sent to a
 * host it was not set for. A login comes before the `OPENAI_*` fallback: it was made for this
 * provider, while `OPENAI_BASE_URL` is often another tool's setting. An alias pointing at
 * another proxy never inherits the main key. No provider may take a name in `taken` (pi's own
 * providers): it would replace pi's models of that name.
 *
 * @example
 * ```ts
 * const { configs } = resolveConfigs({ LITELLM_BASE_URL: "http://localhost:4000/v1", LITELLM_API_KEY: "sk-1" });
 * configs[0]?.baseUrl; // "http://localhost:4000"
 * ```
 */
export function resolveConfigs(
  env: Env,
  settings: LiteLLMSettings = {},
  settingsLabel = "settings",
  taken: readonly string[] = [],
  login?: StoredLogin,
): ConfigResult {
  const problems: string[] = [];
  const at = `${settingsLabel} litellm`;
  const wire = parseWireApiOverrides(env[ENV.wireApi] ?? "");
  problems.push(...wire.problems);
  const shared = (proxy: ProxySettings, where: string): Shared => ({
    ...resolveHeaders(proxy.headers, where, env, problems),
    hide: proxy.hideModels ?? [],
    modelOverrides: [...Object.entries(proxy.models ?? {}).map(([pattern, model]) => ({ pattern, ...model })), ...wire.overrides],
    discoveryTimeoutMs: parseTimeout(
      nonEmpty(env[ENV.discoveryTimeout]),
      proxy.discoveryTimeoutMs,
      `${where}.discoveryTimeoutMs`,
      problems,
    ),
    spend: { footer: proxy.spend?.footer ?? true, warnAt: [...(proxy.spend?.warnAt ?? BUDGET_WARNING_SHARES)].sort((a, b) => a - b) },
  });

  const mainName = settings.providerName ?? DEFAULT_PROVIDER_NAME;
  const loggedIn = loginLabel(mainName);
  const url = firstSource([
    [nonEmpty(env[ENV.baseUrl]), ENV.baseUrl],
    [settings.baseUrl, `${at}.baseUrl`],
    [login?.baseUrl, loggedIn],
    [nonEmpty(env[ENV.fallbackBaseUrl]), ENV.fallbackBaseUrl],
  ]);
  const key = url && firstSource([
    [nonEmpty(env[ENV.apiKey]), ENV.apiKey],
    [settings.apiKey, `${at}.apiKey`],
    [login && loginServes(login, url) ? nonEmpty(login.apiKey) : undefined, loggedIn, true],
    [url.variable === ENV.fallbackBaseUrl ? nonEmpty(env[ENV.fallbackApiKey]) : undefined, ENV.fallbackApiKey],
  ]);
  const configs: LiteLLMConfig[] = [];
  /** Why the main provider is not registered, when it is not. */
  let mainOff =
    `LiteLLM provider is off: run /login and pick LiteLLM, or set ${ENV.baseUrl} (and ${ENV.apiKey}) to your proxy, e.g. http://localhost:4000`;
  let main: LiteLLMConfig | undefined;
  if (url && taken.includes(mainName)) {
    mainOff = `${at}.providerName: "${mainName}" is one of pi's own providers, whose models it would replace; pick another name`;
  } else if (url) {
    const resolved = proxyConfig(mainName, url, key, shared(settings, at), env, problems, ENV.apiKey, true);
    if (resolved.ok) configs.push(main = withMcp(resolved.value, settings.mcp ?? true, [], `${at}.mcp`, problems));
    else mainOff = resolved.problem;
  }

  for (const [name, alias] of Object.entries(settings.aliases ?? {})) {
    const where = `${at}.aliases["${name}"]`;
    if (taken.includes(name)) {
      problems.push(
        `${where}: "${name}" is one of pi's own providers, whose models the alias would replace; ignoring it, pick another name`,
      );
      continue;
    }
    if ((main && name === mainName) || configs.some((config) => config.providerName === name)) {
      problems.push(`${where}: the name is already taken by another provider; ignoring it`);
      continue;
    }
    const aliasUrl = alias.baseUrl ? { raw: alias.baseUrl, variable: `${where}.baseUrl` } : url;
    if (!aliasUrl) {
      problems.push(`${where}: no baseUrl, and the main section has none to share; set ${where}.baseUrl or ${ENV.baseUrl}`);
      continue;
    }
    const aliasRoot = normalizeBaseUrl(aliasUrl.raw, aliasUrl.variable);
    const sameProxy = aliasRoot.ok && aliasRoot.value === main?.baseUrl;
    const aliasKey = alias.apiKey ? { raw: alias.apiKey, variable: `${where}.apiKey` } : sameProxy ? key : undefined;
    const config = proxyConfig(
      name,
      aliasUrl,
      aliasKey,
      shared(layerShared(settings, alias, sameProxy), where),
      env,
      problems,
      `${where}.apiKey`,
    );
    if (config.ok) configs.push(withMcp(config.value, alias.mcp ?? false, configs, `${where}.mcp`, problems));
    else problems.push(`${where}: ${config.problem}; ignoring it`);
  }
  // With aliases registered, a main section left without a URL is a choice; a broken one still says so.
  if (!main && (url || configs.length === 0)) problems.push(mainOff);
  return configs.length > 0 ? { configs, problems } : { configs, problems, off: mainOff };
}

/**
 * Whether a stored login's key may go to the provider's URL: a login's to the proxy it was made for;
 * a bare key pi stored for the provider to a URL set for it, never to the `OPENAI_BASE_URL` fallback.
 */
function loginServes(login: StoredLogin, url: Source): boolean {
  return login.baseUrl === undefined ? url.variable !== ENV.fallbackBaseUrl : sameRoot(login.baseUrl, url.raw);
}

/**
 * A provider with its MCP gateway registration, as its section says: on by default for the main
 * provider, only when asked for an alias (two providers on one proxy would list the same tools
 * twice). A server name another provider took is refused in one line.
 */
function withMcp(
  config: LiteLLMConfig,
  setting: ProxySettings["mcp"],
  others: readonly LiteLLMConfig[],
  where: string,
  problems: string[],
): LiteLLMConfig {
  if (setting === false) return config;
  const { name = config.providerName, exposure } = setting === true ? {} : setting ?? {};
  if (others.some((other) => other.mcp?.name === name)) {
    problems.push(`${where}: the MCP server name "${name}" is taken by another provider; set another "name"`);
    return config;
  }
  return { ...config, mcp: { name, ...(exposure ? { exposure } : {}) } };
}

/**
 * An alias's own settings over the main section's, for what they share. An alias on another proxy
 * does not inherit the main section's secret headers: they were set for the main proxy only.
 */
function layerShared(main: ProxySettings, alias: ProxySettings, sameProxy: boolean): ProxySettings {
  const inherited = Object.entries(main.headers ?? {}).filter(([name, raw]) => sameProxy || !isSecretHeader(name, raw));
  return {
    headers: { ...Object.fromEntries(inherited), ...alias.headers },
    hideModels: alias.hideModels ?? main.hideModels,
    models: { ...main.models, ...alias.models },
    discoveryTimeoutMs: alias.discoveryTimeoutMs ?? main.discoveryTimeoutMs,
    ...(alias.spend ?? main.spend ? { spend: alias.spend ?? main.spend } : {}),
  };
}
