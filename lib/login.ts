/**
 * `/login` for the main provider: asks for the proxy URL and key, checks them with one discovery
 * (which also registers the proxy's models at once), and hands pi the credential to keep in its own
 * store (`auth.json`), never in a settings file. What the environment or settings already set wins
 * over a login and is not asked for.
 *
 * @module
 */

import { type LiteLLMConfig, loginLabel, normalizeBaseUrl, type StoredLogin } from "./config/config.ts";
import { type LoginCallbacks, type LoginCredentials, providerApiKey, type ProviderLogin, type StoredCredential } from "./pi.ts";
import type { LiteLLMProvider, RefreshProblem } from "./provider.ts";
import type { Result } from "./types.ts";

/**
 * A proxy key has no lifetime pi could know: the proxy says when it ends (a 401 naming the expired
 * key), so pi's clock never asks for a refresh.
 */
export const NEVER_EXPIRES = Date.UTC(9999, 0, 1);

/** How often one login asks again before giving up with the last problem, so no UI can loop forever. */
export const MAX_LOGIN_ATTEMPTS = 5;

/**
 * Failures after which only the key is asked again (after any other one the URL is asked again
 * too), in the login's own words: discovery's line would send the user to the login they are in.
 */
const KEY_FAILURES: Partial<Readonly<Record<RefreshProblem["kind"], (baseUrl: string) => string>>> = {
  unauthorized: (baseUrl) => `LiteLLM at ${baseUrl} rejected this key (401)`,
  forbidden: (baseUrl) => `LiteLLM at ${baseUrl} refused this key its models (403)`,
  "no-database": (baseUrl) => `LiteLLM at ${baseUrl} has no database to check keys against, so only its master key works`,
};

/** What is known before the login asks: what to offer, and what the environment or settings pin. */
export interface KnownProxy {
  /** The URL to offer (Enter keeps it). */
  baseUrl?: string;
  /** The key Enter keeps, for {@link baseUrl} only. */
  apiKey?: string;
  /** The variable or setting that sets the URL and wins over a login; the URL is then not asked. */
  urlPinnedBy?: string;
  /** The variable or setting that sets the key and wins over a login; the key is then not asked. */
  keyPinnedBy?: string;
}

/** What the login needs from the extension. */
export interface LoginDependencies {
  /** The provider's name, as `/login` and every line name it. */
  providerName: string;
  /** Read when the login starts, so it offers what is true then. */
  known(): KnownProxy;
  /**
   * Makes the login the provider's: one discovery with it and, when that works, the proxy's models
   * registered. Gives the line saying what was found, or why it did not work.
   */
  connect(login: StoredLogin): Promise<Result<string, RefreshProblem>>;
}

/** The login a credential in pi's store stands for: a login's key and proxy, or a bare key for whatever proxy is configured. */
export function loginOf(credential: StoredCredential | undefined): StoredLogin | undefined {
  if (!credential) return undefined;
  return credential.type === "api_key" ? { apiKey: credential.key } : { apiKey: credential.access, ...(credential.baseUrl ? { baseUrl: credential.baseUrl } : {}) };
}

/** The credential pi stores for a login: the key as pi's access token, and the proxy it was checked against. */
export function loginCredentials(login: StoredLogin): LoginCredentials {
  return { access: login.apiKey, refresh: "", expires: NEVER_EXPIRES, baseUrl: login.baseUrl };
}

/**
 * The provider's entry in pi's `/login`. The login throws one line when it cannot succeed; pi shows
 * it as "Failed to login to LiteLLM: …" and stores nothing.
 *
 * @example
 * ```ts
 * import { providerLogin } from "./login.ts";
 *
 * const login = providerLogin({
 *   providerName: "litellm",
 *   known: () => ({}),
 *   connect: async (proxy) => ({ ok: true, value: `models at ${proxy.baseUrl}` }),
 * });
 * login.getApiKey({ access: "sk-1", refresh: "", expires: 0 }); // "sk-1"
 * ```
 */
export function providerLogin(dependencies: LoginDependencies): ProviderLogin {
  return {
    name: "LiteLLM",
    login: (callbacks) => runLogin(callbacks, dependencies),
    // A proxy key cannot be refreshed: it stays what it is until the proxy refuses it.
    refreshToken: (credentials) => Promise.resolve({ ...credentials, expires: NEVER_EXPIRES }),
    getApiKey: (credentials) => providerApiKey(typeof credentials.access === "string" && credentials.access !== "" ? credentials.access : undefined),
  };
}

/** The prompt for the proxy URL, offering the known one. */
function urlPrompt(known: string | undefined): { message: string; placeholder: string; allowEmpty: boolean } {
  return known
    ? { message: `LiteLLM proxy URL (Enter keeps ${known})`, placeholder: known, allowEmpty: true }
    : { message: "LiteLLM proxy URL", placeholder: "http://localhost:4000", allowEmpty: false };
}

/** The prompt for the key; a known key is kept by Enter and never shown. */
function keyPrompt(baseUrl: string, keeps: boolean): { message: string; allowEmpty: boolean } {
  const empty = keeps ? "Enter keeps the current key" : "Enter for a proxy without keys";
  return { message: `LiteLLM API key for ${baseUrl} (${empty})`, allowEmpty: true };
}

async function runLogin(callbacks: LoginCallbacks, dependencies: LoginDependencies): Promise<LoginCredentials> {
  const known = dependencies.known();
  const say = (line: string) => callbacks.onProgress?.(line);
  if (known.urlPinnedBy && known.keyPinnedBy) {
    throw new Error(`${known.urlPinnedBy} and ${known.keyPinnedBy} set the proxy and its key, and win over a login; change them there`);
  }
  let baseUrl = known.baseUrl;
  let askUrl = !known.urlPinnedBy;
  if (!askUrl) say(`Proxy: ${baseUrl} (from ${known.urlPinnedBy})`);
  let last = "";
  for (let attempt = 0; attempt < MAX_LOGIN_ATTEMPTS; attempt++) {
    if (askUrl) {
      const answer = (await callbacks.onPrompt(urlPrompt(baseUrl))).trim();
      const url = normalizeBaseUrl(answer || baseUrl || "", "The proxy URL");
      if (!url.ok) {
        last = url.problem;
        say(last);
        continue;
      }
      baseUrl = url.value;
    }
    const root = baseUrl!;
    const kept = known.apiKey !== undefined && known.baseUrl === root ? known.apiKey : undefined;
    // A pinned key is the one requests carry; the login then stores none.
    const apiKey = known.keyPinnedBy ? "" : (await callbacks.onPrompt(keyPrompt(root, kept !== undefined))).trim() || kept || "";
    if (callbacks.signal?.aborted) throw new Error("Login cancelled");
    say(`Checking ${root}…`);
    const connected = await dependencies.connect({ baseUrl: root, apiKey });
    if (callbacks.signal?.aborted) throw new Error("Login cancelled");
    if (connected.ok) {
      say(connected.value);
      return loginCredentials({ baseUrl: root, apiKey });
    }
    const keyFailure = KEY_FAILURES[connected.problem.kind];
    const keyRefused = keyFailure !== undefined;
    last = keyFailure ? keyFailure(root) : connected.problem.message;
    // Ask again only for what can change: a pinned value is not the login's to fix.
    askUrl = !known.urlPinnedBy && !keyRefused;
    if (!askUrl && (known.keyPinnedBy || !keyRefused)) throw new Error(last);
    say(`${last}; ${askUrl ? "enter the URL and key again" : "enter the key again"}`);
  }
  throw new Error(`${last}; run /login again`);
}

/** A proxy URL no configuration has, standing in for a login to see what the environment and settings pin. */
const PROBE_URL = "http://login.invalid";

/** How the extension makes and installs the main provider; the login reads and replaces it through these. */
export interface MainProvider {
  providerName: string;
  /** The main provider's configuration with `login` as the stored login, or `undefined` when it has none. */
  configure(login: StoredLogin | undefined): LiteLLMConfig | undefined;
  /** What `/login` stored when the extension loaded. */
  stored: StoredLogin | undefined;
  /** A provider for a configuration, registered with this login; not yet in use. */
  create(config: LiteLLMConfig): LiteLLMProvider;
  /** Puts a provider whose models are registered in place of the main one. */
  install(provider: LiteLLMProvider): void;
}

/**
 * What the environment and settings pin, found by asking the configuration with a stand-in login:
 * whatever does not come from it wins over a login. The URL offered is the pinned one, else the
 * stored login's, else the one a lower source (the `OPENAI_*` fallback) gives.
 */
export function knownProxy(main: MainProvider): KnownProxy {
  const probe = main.configure({ baseUrl: PROBE_URL, apiKey: "probe" });
  const label = loginLabel(main.providerName);
  const urlPinnedBy = probe && probe.baseUrlVariable !== label ? probe.baseUrlVariable : undefined;
  const keyPinnedBy = probe?.apiKey !== undefined && !probe.keyFromLogin ? probe.apiKeyVariable : undefined;
  const stored = main.stored;
  const baseUrl = urlPinnedBy ? probe!.baseUrl : stored?.baseUrl ?? main.configure(undefined)?.baseUrl;
  return {
    ...(baseUrl ? { baseUrl } : {}),
    ...(stored?.apiKey && stored.baseUrl === baseUrl ? { apiKey: stored.apiKey } : {}),
    ...(urlPinnedBy ? { urlPinnedBy } : {}),
    ...(keyPinnedBy ? { keyPinnedBy } : {}),
  };
}

/**
 * The main provider's `/login`: a login that works becomes the main provider at once, its models in
 * `/model` before pi has even stored the credential.
 */
export function mainProviderLogin(main: MainProvider): ProviderLogin {
  return providerLogin({
    providerName: main.providerName,
    known: () => knownProxy(main),
    async connect(login) {
      const config = main.configure(login);
      if (!config) return { ok: false, problem: { kind: "http", message: `${main.providerName} cannot use ${login.baseUrl}` } };
      const provider = main.create(config);
      const registered = await provider.refresh();
      if (!registered.ok) return registered;
      main.install(provider);
      return { ok: true, value: `${registered.value} models at ${config.baseUrl}; /model lists them` };
    },
  });
}
