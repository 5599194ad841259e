/**
 * `/login` for the main provider: asks for the proxy URL and key, checks them with one discovery
 * (which also registers the proxy's models at once), and hands pi the credential to keep in its own
 * store (`auth.json`), never in a settings file. What the environment or settings already set wins
 * over a login and is not asked for.
 *
 * @module
 */

import { type LiteLLMConfig, loginLabel, type StoredLogin } from "./config/config.ts";
import { normalizeBaseUrl, sameRoot } from "./config/values.ts";
import { type LoginCallbacks, type LoginCredentials, providerApiKey, type ProviderLogin, type StoredCredential } from "./pi.ts";
import type { LiteLLMProvider, RefreshProblem } from "./provider/provider.ts";
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
  "no-models": (baseUrl) => `LiteLLM at ${baseUrl} lists no chat models for this key`,
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
  /** Why no login can give the provider a proxy (a configured URL that is not one): said at once. */
  refusal?: string;
}

/** A proxy that answered a login: the line saying what it has, and how to start using it. */
export interface ConnectedProxy {
  /** What the proxy has, for the login dialog: "LiteLLM: 12 models at …; /model lists them". */
  line: string;
  /** Makes it the provider's, its models in pi: called once the user can no longer cancel. */
  use(): void;
}

/** What the login needs from the extension. */
export interface LoginDependencies {
  /** Read when the login starts, so it offers what is true then. */
  known(): KnownProxy;
  /** One discovery with the login; nothing changes for pi until `use()`. */
  connect(login: StoredLogin): Promise<Result<ConnectedProxy, RefreshProblem>>;
}

/**
 * The keys pi may hand the main provider that are not for it. pi looks a stored login up before the
 * provider's own key, which the environment or settings may have set instead; and pi keeps a key an
 * earlier registration gave (`replaced`'s), which a login to another proxy must not send there.
 */
export function foreignKeys(config: LiteLLMConfig, stored: StoredLogin | undefined, replaced?: LiteLLMConfig): string[] {
  const keys: string[] = [];
  if (!config.keyFromLogin && stored?.apiKey) keys.push(stored.apiKey);
  if (replaced?.apiKey && !replaced.keyFromLogin && replaced.apiKey !== config.apiKey) keys.push(replaced.apiKey);
  return keys;
}

/** The login a credential in pi's store stands for: a login's key and proxy, or a bare key for whatever proxy is configured. */
export function loginOf(credential: StoredCredential | undefined): StoredLogin | undefined {
  if (!credential) return undefined;
  if (credential.type === "api_key") return { apiKey: credential.key };
  if (credential.baseUrl === undefined) return { apiKey: credential.access };
  // A hand-edited store may hold `/v1` or a trailing slash. A URL that is not one makes no login: its
  // key was set for that proxy, not for whatever URL is configured.
  const root = normalizeBaseUrl(credential.baseUrl, "auth.json");
  return root.ok ? { apiKey: credential.access, baseUrl: root.value } : undefined;
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
 *   known: () => ({}),
 *   connect: async (proxy) => ({ ok: true, value: { line: `models at ${proxy.baseUrl}`, use: () => {} } }),
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
    getApiKey: (credentials) =>
      providerApiKey(typeof credentials.access === "string" && credentials.access !== "" ? credentials.access : undefined),
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

/**
 * Asks until the proxy answers, at most {@link MAX_LOGIN_ATTEMPTS} times: the URL (unless pinned),
 * then the key (unless pinned), one discovery; a refused key asks for the key again, any other
 * failure for the URL. The proxy is used only once the user can no longer cancel.
 */
async function runLogin(callbacks: LoginCallbacks, dependencies: LoginDependencies): Promise<LoginCredentials> {
  const known = dependencies.known();
  const say = (line: string) => callbacks.onProgress?.(line);
  if (known.refusal) throw new Error(known.refusal);
  if (known.urlPinnedBy && known.keyPinnedBy) {
    throw new Error(`${known.urlPinnedBy} and ${known.keyPinnedBy} set the proxy and its key, and win over a login; change them there`);
  }
  let baseUrl = known.baseUrl;
  let askUrl = !known.urlPinnedBy;
  /** A key that was just refused is not offered again. */
  let offerKnownKey = true;
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
    const kept = offerKnownKey && known.apiKey !== undefined && known.baseUrl !== undefined && sameRoot(known.baseUrl, root)
      ? known.apiKey
      : undefined;
    // A pinned key is the one requests carry; the login then stores none.
    const apiKey = known.keyPinnedBy ? "" : (await callbacks.onPrompt(keyPrompt(root, kept !== undefined))).trim() || kept || "";
    if (callbacks.signal?.aborted) throw new Error("Login cancelled");
    say(`Checking ${root}…`);
    const connected = await dependencies.connect({ baseUrl: root, apiKey });
    if (callbacks.signal?.aborted) throw new Error("Login cancelled");
    if (connected.ok) {
      connected.value.use();
      say(connected.value.line);
      return loginCredentials({ baseUrl: root, apiKey });
    }
    const keyFailure = KEY_FAILURES[connected.problem.kind];
    const keyRefused = keyFailure !== undefined;
    last = keyFailure ? keyFailure(root) : connected.problem.message;
    if (keyRefused) offerKnownKey = false;
    // Ask again only for what can change: a pinned value is not the login's to fix.
    askUrl = !known.urlPinnedBy && !keyRefused;
    if (!askUrl && (known.keyPinnedBy || !keyRefused)) throw new Error(last);
    say(`${last}; ${askUrl ? (known.keyPinnedBy ? "enter the URL again" : "enter the URL and key again") : "enter the key again"}`);
  }
  throw new Error(`${last}; run /login again`);
}

/** A login no configuration has, standing in for one to see what the environment and settings pin. */
const PROBE = { baseUrl: "http://login.invalid", apiKey: "probe" } as const;

/** How the extension makes and installs the main provider; the login reads and replaces it through these. */
export interface MainProvider {
  /** The main provider's name (`litellm` unless settings say otherwise). */
  providerName: string;
  /** The main provider's configuration with `login` as the stored login, or why it has none. */
  configure(login: StoredLogin | undefined): Result<LiteLLMConfig>;
  /** What `/login` has stored now (read afresh: a `/logout` may have removed it). */
  stored(): StoredLogin | undefined;
  /** A provider for a configuration made with `login`, registered with this login; not yet in use. */
  create(config: LiteLLMConfig, login: StoredLogin): LiteLLMProvider;
  /** Puts a provider whose models are registered in place of the main one. */
  install(provider: LiteLLMProvider): void;
}

/**
 * What the environment and settings pin, found by asking the configuration with a stand-in login:
 * whatever does not come from it wins over a login. The URL offered is the pinned one, else the
 * stored login's, else the one a lower source (the `OPENAI_*` fallback) gives.
 */
export function knownProxy(main: MainProvider): KnownProxy {
  const label = loginLabel(main.providerName);
  const probe = main.configure(PROBE);
  if (!probe.ok) return { refusal: probe.problem };
  const urlPinnedBy = probe.value.baseUrlVariable !== label ? probe.value.baseUrlVariable : undefined;
  // A login's key applies only to its own proxy: with the URL pinned, ask with a login for that one.
  const keyProbe = urlPinnedBy ? main.configure({ ...PROBE, baseUrl: probe.value.baseUrl }) : probe;
  const keyPinnedBy = keyProbe.ok && !keyProbe.value.keyFromLogin ? keyProbe.value.apiKeyVariable : undefined;
  const stored = main.stored();
  const fallback = main.configure(undefined);
  const baseUrl = urlPinnedBy ? probe.value.baseUrl : stored?.baseUrl ?? (fallback.ok ? fallback.value.baseUrl : undefined);
  const keeps = stored?.apiKey && baseUrl && (stored.baseUrl === undefined || sameRoot(stored.baseUrl, baseUrl));
  return {
    ...(baseUrl ? { baseUrl } : {}),
    ...(keeps ? { apiKey: stored.apiKey } : {}),
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
    known: () => knownProxy(main),
    async connect(login) {
      const config = main.configure(login);
      if (!config.ok) return { ok: false, problem: { kind: "http", message: config.problem } };
      const provider = main.create(config.value, login);
      const connected = await provider.connect();
      if (!connected.ok) return connected;
      const line = `LiteLLM: ${connected.value} models at ${config.value.baseUrl}; /model lists them`;
      return {
        ok: true,
        value: {
          line,
          use() {
            provider.publish();
            main.install(provider);
          },
        },
      };
    },
  });
}
