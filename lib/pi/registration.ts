/**
 * Registering with pi: providers with their models and `/login` entry, and MCP servers. The fields
 * an older pi does not know it simply does not read. A provider's `apiKey` is an env-var name or a
 * literal on pi 0.73 but a literal (or `$NAME`) on 0.87 and later, so {@link providerApiKey} hands
 * pi the resolved key, which every pi reads the same way.
 *
 * @module
 */

import type { ExtensionAPI, ProviderModelConfig as ProviderModelConfig073 } from "@mariozechner/pi-coding-agent";
import type { Result } from "../types.ts";

/**
 * A model as the extension registers it: pi 0.73's shape, plus `promptCache` (pi 1.x: the cache
 * lifetimes in seconds that pi keeps warm), which older pis ignore.
 */
export type ProviderModelConfig = ProviderModelConfig073 & { promptCache?: { short?: number; long?: number } };

/** What pi's `refreshModels` hands a provider (pi-ai `RefreshModelsContext`, the fields read here). */
export interface RefreshModelsContext {
  /** `false` while pi initialises offline or from its cache: no request may be made. */
  allowNetwork?: boolean;
  /** The user asked for it: skip freshness checks. */
  force?: boolean;
  signal?: AbortSignal;
}

/**
 * A provider as the extension registers it: pi's `registerProvider` config, plus `refreshModels`
 * (pi ≥ 0.87: pi asks for the live catalog, e.g. when `/model` opens), which older pis ignore.
 */
export type ProviderRegistration = Omit<Parameters<ExtensionAPI["registerProvider"]>[1], "models" | "oauth"> & {
  models: ProviderModelConfig[];
  /** The provider's entry in `/login`. */
  oauth?: ProviderLogin;
  /** The live catalog, or `undefined` to keep the models pi has. */
  refreshModels?(context: RefreshModelsContext): Promise<ProviderModelConfig[] | undefined>;
};

/** What pi's `/login` hands a provider's login to ask the user with (pi-ai `OAuthLoginCallbacks`, the fields used). */
export interface LoginCallbacks {
  /** One line of input; pi shows the placeholder as "e.g., …" and starts the input empty. */
  onPrompt(prompt: { message: string; placeholder?: string; allowEmpty?: boolean }): Promise<string>;
  /** A line in the login dialog while it works. */
  onProgress?(message: string): void;
  /** Aborted when the user cancels the dialog. */
  signal?: AbortSignal;
}

/** What a login returns for pi to keep in its credential store (`auth.json`), plus fields of our own. */
export interface LoginCredentials {
  /** What `getApiKey` turns into the request key (for a LiteLLM login, the key itself). */
  access: string;
  /** What `refreshToken` would refresh with; a proxy key has none. */
  refresh: string;
  /** When pi calls `refreshToken`, in epoch milliseconds. */
  expires: number;
  [field: string]: unknown;
}

/**
 * A provider's entry in pi's `/login` (`registerProvider`'s `oauth` block, in every pi since 0.73):
 * pi runs `login`, stores what it returns in `auth.json`, and gets the request key from `getApiKey`.
 */
export interface ProviderLogin {
  /** The name `/login` lists. */
  name: string;
  /** Asks the user and gives what pi stores; throws one line when it cannot succeed. */
  login(callbacks: LoginCallbacks): Promise<LoginCredentials>;
  /** Called once `expires` has passed: gives the credentials to store instead. */
  refreshToken(credentials: LoginCredentials): Promise<LoginCredentials>;
  /** The key a request carries, from the stored credentials. */
  getApiKey(credentials: LoginCredentials): string;
}

/**
 * Offers a provider in `/login` before it has any model: pi 0.87 and later require a base URL next
 * to `oauth`, which no model uses until the login registers the proxy's own.
 */
export function registerLogin(pi: ExtensionAPI, name: string, login: ProviderLogin, baseUrl: string): void {
  pi.registerProvider(name, { name: login.name, baseUrl, oauth: login } as Parameters<ExtensionAPI["registerProvider"]>[1]);
}

/**
 * Registers a provider with pi; the fields an older pi does not know it simply does not read.
 * `false` when pi has retired this extension's API (its session ended, or `/reload` replaced it):
 * a discovery that finishes late has nobody to register with.
 */
export function registerProvider(pi: ExtensionAPI, name: string, registration: ProviderRegistration): boolean {
  try {
    pi.registerProvider(name, registration as Parameters<ExtensionAPI["registerProvider"]>[1]);
    return true;
  } catch (error) {
    if (isRetiredApi(error)) return false;
    throw error;
  }
}

/** pi's error for an extension API it has retired ("This extension ctx is stale…", pi 0.73 and later). */
function isRetiredApi(error: unknown): boolean {
  return error instanceof Error && /extension ctx is stale|no longer active/i.test(error.message);
}

/** An HTTP MCP server as pi 1.x registers it (the shape of an `mcp.json` entry). */
export interface McpServerConfig {
  url: string;
  headers?: Record<string, string>;
  exposure?: string;
  description?: string;
}

/**
 * Registers an MCP server for the session where pi can (`pi.registerMcpServer`, pi ≥ 1.x): pi
 * connects it when the session starts. `false` when this pi has no MCP; the problem when pi refused it.
 */
export function registerMcpServer(pi: ExtensionAPI, name: string, config: McpServerConfig): Result<boolean> {
  const register = (pi as { registerMcpServer?: (name: string, config: McpServerConfig) => void }).registerMcpServer;
  if (typeof register !== "function") return { ok: true, value: false };
  try {
    register.call(pi, name, config);
    return { ok: true, value: true };
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : String(error) };
  }
}

/** Takes back an MCP server this extension registered, where pi has MCP; a pi without it has nothing to take back. */
export function unregisterMcpServer(pi: ExtensionAPI, name: string): void {
  const unregister = (pi as { unregisterMcpServer?: (name: string) => void }).unregisterMcpServer;
  if (typeof unregister === "function") unregister.call(pi, name);
}
/**
 * The `apiKey` to give `registerProvider`: the resolved key itself, which every pi version reads as a
 * literal. A keyless proxy gets a placeholder, because pi only lists models whose provider has a key.
 */
export function providerApiKey(apiKey: string | undefined): string {
  return apiKey ?? "no-key";
}
