/**
 * The one seam to pi's API. Everything the extension calls in pi-ai or pi-coding-agent goes through
 * here, so a pi release that moves something is one change in this file.
 *
 * Differences handled here (pi 0.73.1 → 0.87.1):
 * - a provider's `apiKey` string is an env-var name or literal in 0.73 but a literal (or `$NAME`) in
 *   0.87, so {@link providerApiKey} hands pi the resolved key, which both read the same way;
 * - `azure-openai-responses` prefers `AZURE_OPENAI_BASE_URL` over the model's base URL in both, so
 *   {@link azureThroughProxy} pins Azure requests to the proxy through the non-simple stream function.
 *
 * @module
 */

import {
  type Api,
  type AssistantMessage,
  type AssistantMessageEventStream,
  clampThinkingLevel,
  type Context,
  createAssistantMessageEventStream,
  getApiProvider,
  type Model,
  type SimpleStreamOptions,
  type ThinkingContent,
} from "@mariozechner/pi-ai";
import * as piAi from "@mariozechner/pi-ai";
import type { ExtensionAPI, ProviderModelConfig as ProviderModelConfig073 } from "@mariozechner/pi-coding-agent";
import * as piCodingAgent from "@mariozechner/pi-coding-agent";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { Result } from "./types.ts";

export type { AssistantMessage, AssistantMessageEventStream, Context, ExtensionAPI, Model, SimpleStreamOptions, ThinkingContent };

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

/** A credential pi keeps for a provider: a login's (`oauth`, with the proxy it was made for), or a bare API key. */
export type StoredCredential = { type: "oauth"; access: string; baseUrl?: string } | { type: "api_key"; key: string };

/** pi's readers of its credential store, as each pi exports them. */
interface PiCredentialExports {
  /** pi 0.87 and later: one provider's entry, `undefined` for none or a file it cannot read. */
  readStoredCredential?: (provider: string, authPath: string) => unknown;
  /** pi 0.73: the store itself, which creates an empty file where there is none, as pi does at its start. */
  AuthStorage?: { create(authPath: string): { get(provider: string): unknown; drainErrors?(): unknown[] } };
}

/** One provider's entry in pi's credential store, read with pi's own code; the file itself only where no pi offers a reader. */
function credentialEntry(provider: string, file: string): Result<unknown> {
  const { readStoredCredential, AuthStorage } = piCodingAgent as PiCredentialExports;
  const unreadable: Result<unknown> = { ok: false, problem: `${file} cannot be read (not valid JSON); ${loginCommand(provider)} is not used` };
  try {
    if (typeof readStoredCredential === "function") return { ok: true, value: readStoredCredential(provider, file) };
    if (typeof AuthStorage?.create === "function") {
      const storage = AuthStorage.create(file);
      // pi's own error would quote the file, which may hold a key: only that it is broken is said.
      return (storage.drainErrors?.() ?? []).length > 0 ? unreadable : { ok: true, value: storage.get(provider) };
    }
  } catch {
    return unreadable;
  }
  try {
    return { ok: true, value: (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown> | null)?.[provider] };
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return { ok: true, value: undefined };
    return { ok: false, problem: `${file} cannot be read (${(error as { code?: string }).code ?? "not valid JSON"}); ${loginCommand(provider)} is not used` };
  }
}

const loginCommand = (provider: string) => `/login ${provider}`;

/**
 * The credential pi's credential store (`<agent dir>/auth.json`) holds for a provider, read at load
 * (the extension discovers before pi hands it anything) with pi's own reader: `readStoredCredential`
 * on pi 0.87 and later, `AuthStorage` on 0.73. `undefined` when there is none or it is not one the
 * extension can use (a key pi resolves from `$VAR` or `!command` is pi's to resolve); the problem
 * when the file cannot be read, in words that never quote it.
 */
export function storedCredential(provider: string, env: Readonly<Record<string, string | undefined>> = process.env): Result<StoredCredential | undefined> {
  const entry = credentialEntry(provider, join(agentDir(env), "auth.json"));
  if (!entry.ok) return entry;
  const { type, access, key, baseUrl } = (entry.value ?? {}) as Record<string, unknown>;
  // A login to a proxy without keys stores an empty key and its URL.
  if (type === "oauth" && typeof access === "string" && (access !== "" || typeof baseUrl === "string")) {
    return { ok: true, value: { type, access, ...(typeof baseUrl === "string" ? { baseUrl } : {}) } };
  }
  if (type === "api_key" && typeof key === "string" && key !== "" && !/^[$!]/.test(key)) return { ok: true, value: { type, key } };
  return { ok: true, value: undefined };
}

/**
 * The project-trust decisions pi has made before extensions load (pi 0.87 and later), read with pi's
 * own code: its `parseArgs` for `--approve` / `--no-approve`, its `ProjectTrustStore` for the decision
 * saved with `/trust` for the directory or a parent.
 */
export interface PiProjectTrust {
  /** `true` for `--approve`, `false` for `--no-approve`, `undefined` for neither; `null` when pi's arguments cannot be read. */
  commandLine(): boolean | undefined | null;
  /** The saved decision nearest to `cwd`, `undefined` when there is none; `null` when it cannot be read. */
  saved(cwd: string): boolean | undefined | null;
}

/**
 * The model pi's command line names, as `provider/id` or `--provider` with `--model`: read with
 * pi's own `parseArgs` where pi exports it (0.87 and later), by the same two flags otherwise.
 */
export function commandLineModel(argv: readonly string[] = process.argv.slice(2)): { provider?: string; id: string } | undefined {
  const { parseArgs } = piCodingAgent as { parseArgs?: (args: string[]) => { provider?: unknown; model?: unknown } };
  let provider: unknown;
  let model: unknown;
  try {
    if (typeof parseArgs === "function") ({ provider, model } = parseArgs([...argv]));
    else {
      const end = argv.includes("--") ? argv.indexOf("--") : argv.length;
      const value = (flag: string) => {
        const at = argv.indexOf(flag);
        return at !== -1 && at + 1 < end ? argv[at + 1] : undefined;
      };
      [provider, model] = [value("--provider"), value("--model")];
    }
  } catch {
    return undefined;
  }
  if (typeof model !== "string" || model === "") return undefined;
  if (typeof provider === "string") return { provider, id: model };
  const slash = model.indexOf("/");
  return slash > 0 ? { provider: model.slice(0, slash), id: model.slice(slash + 1) } : { id: model };
}

/** pi's project-trust API as pi 0.87 and later export it. */
interface PiTrustExports {
  ProjectTrustStore?: new (agentDir: string) => { get(cwd: string): boolean | null };
  parseArgs?: (args: string[]) => { projectTrustOverride?: boolean };
}

/**
 * pi's project trust, where this pi has it (its `ProjectTrustStore` is exported); `undefined` on a pi
 * without project trust (0.73), which loads a project's settings itself.
 */
export function piProjectTrust(agentDirectory: string, argv: readonly string[] = process.argv.slice(2)): PiProjectTrust | undefined {
  const { ProjectTrustStore: Store, parseArgs } = piCodingAgent as PiTrustExports;
  if (typeof Store !== "function") return undefined;
  return {
    commandLine() {
      if (typeof parseArgs !== "function") return null;
      try {
        const override = parseArgs([...argv]).projectTrustOverride;
        return typeof override === "boolean" ? override : undefined;
      } catch {
        return null;
      }
    },
    saved(cwd) {
      try {
        const decision = new Store(agentDirectory).get(cwd);
        return typeof decision === "boolean" ? decision : undefined;
      } catch {
        // A busy or broken trust.json hides the decision, which may be a "no".
        return null;
      }
    },
  };
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

/** A pi-ai simple stream function, the shape pi calls a provider's `streamSimple` with. */
export type StreamSimple = (model: Model<Api>, context: Context, options?: SimpleStreamOptions) => AssistantMessageEventStream;

/**
 * pi 1.x's stream option that hands each parsed provider event (a chat chunk, a Responses event)
 * to the caller; older pi-ai ignores it, so setting it is the feature test.
 */
export type ProviderEventOptions = SimpleStreamOptions & { onProviderStreamEvent?: (event: unknown, model: Model<Api>) => unknown };

/**
 * The providers pi has built in (`openai`, `anthropic`...), which a LiteLLM alias must not replace.
 * pi-ai's `getProviders` (on 1.x through the compat entry pi maps our import to); empty where absent.
 */
export function builtinProviders(): readonly string[] {
  const list = (piAi as { getProviders?: () => readonly string[] }).getProviders;
  try {
    return typeof list === "function" ? list() : [];
  } catch {
    return [];
  }
}

/**
 * pi 0.73's turn retry, which pi-ai does not export (pi-coding-agent 0.73 `_isRetryableError`): any
 * of these anywhere in the error text, numbers inside other numbers too.
 */
const PI_073_TURN_RETRY =
  /overloaded|provider.?returned.?error|rate.?limit|too many requests|429|500|502|503|504|service.?unavailable|server.?error|internal.?error|network.?error|connection.?error|connection.?refused|connection.?lost|websocket.?closed|websocket.?error|other side closed|fetch failed|upstream.?connect|reset before headers|socket hang up|ended without|http2 request did not get a response|timed? out|timeout|terminated|retry delay/i;

/**
 * Whether pi would send a turn again that failed with this error text: pi's own judgement where
 * pi-ai exports it (`isRetryableAssistantError`, pi 0.87 and later, which honours non-retryable
 * phrases such as "out of budget"), pi 0.73's pattern otherwise. Context overflows aside (pi
 * compacts those).
 */
export function piResendsTurn(errorMessage: string): boolean {
  const judge = (piAi as { isRetryableAssistantError?: (message: { stopReason: string; errorMessage: string }) => boolean }).isRetryableAssistantError;
  if (typeof judge !== "function") return PI_073_TURN_RETRY.test(errorMessage);
  try {
    return judge({ stopReason: "error", errorMessage }) === true;
  } catch {
    return PI_073_TURN_RETRY.test(errorMessage);
  }
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

/** pi 0.73 caps the default output budget at this many tokens; the Azure path applies the same cap. */
const DEFAULT_MAX_TOKENS_CAP = 32_000;

/**
 * The Azure Responses stream pinned to the proxy: pi-ai's simple Azure stream prefers
 * `AZURE_OPENAI_BASE_URL` over the model's base URL, so the non-simple one is called with the proxy.
 */
export const azureThroughProxy: StreamSimple = (model, context, options) => {
  const provider = getApiProvider("azure-openai-responses");
  if (!provider) return failedStream(model, "pi-ai has no azure-openai-responses stream implementation");
  const level = options?.reasoning ? clampThinkingLevel(model, options.reasoning) : undefined;
  return provider.stream(model, context, {
    ...options,
    maxTokens: options?.maxTokens ?? Math.min(model.maxTokens, DEFAULT_MAX_TOKENS_CAP),
    reasoningEffort: level === "off" ? undefined : level,
    azureBaseUrl: model.baseUrl,
    azureDeploymentName: model.id,
    // The Azure client authenticates with `api-key`; LiteLLM reads `Authorization` first.
    headers: { ...options?.headers, ...(options?.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
  } as SimpleStreamOptions);
};

/**
 * pi-ai's simple stream function for an api id, looked up at call time: pi's `/reload` resets the
 * registry, so a function captured at load could be stale.
 */
export function piAiStream(api: Api): StreamSimple {
  return (model, context, options) => {
    const provider = getApiProvider(api);
    if (!provider) return failedStream(model, `pi-ai has no ${api} stream implementation`);
    return provider.streamSimple(model, context, options);
  };
}

/** A model as pi's session and context name it. */
export interface ModelRef {
  provider: string;
  id: string;
}

/** What the extension reads from pi's context at session start. */
export interface SessionContext {
  hasUI: boolean;
  /** The session's directory (pi 0.87 and later): `/resume` can enter another project. */
  cwd?: string;
  /** Whether pi trusts the session's project (pi 0.87 and later). */
  isProjectTrusted?: () => boolean;
  ui: { notify(message: string, type?: "info" | "warning" | "error"): void; setStatus?(key: string, text: string | undefined): void };
  model?: { provider: string; id: string } | undefined;
  sessionManager?: { getBranch?(): readonly unknown[] };
}

/** The model a resumed session last used (its latest `model_change` entry), if any. */
export function sessionModel(ctx: SessionContext): ModelRef | undefined {
  const entries = (ctx.sessionManager?.getBranch?.() ?? []) as readonly { type?: string; provider?: unknown; modelId?: unknown }[];
  for (let index = entries.length - 1; index >= 0; index--) {
    const entry = entries[index]!;
    if (entry.type !== "model_change") continue;
    return typeof entry.provider === "string" && typeof entry.modelId === "string" ? { provider: entry.provider, id: entry.modelId } : undefined;
  }
  return undefined;
}

/** What a session's file says its turns through `provider` cost so far: a resumed session's earlier turns. */
export function sessionCost(ctx: SessionContext, provider: string): number {
  let total = 0;
  for (const entry of (ctx.sessionManager?.getBranch?.() ?? []) as readonly { type?: string; message?: { role?: string; provider?: string; usage?: { cost?: { total?: unknown } } } }[]) {
    const message = entry.type === "message" ? entry.message : undefined;
    const cost = message?.role === "assistant" && message.provider === provider ? message.usage?.cost?.total : undefined;
    if (typeof cost === "number" && Number.isFinite(cost)) total += cost;
  }
  return total;
}

/** An assistant message with nothing in it yet, for events that carry no provider output. */
export function emptyAssistantMessage(model: Model<Api>, stopReason: AssistantMessage["stopReason"]): AssistantMessage {
  return {
    role: "assistant",
    content: [],
    api: model.api,
    provider: model.provider,
    model: model.id,
    usage: {
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
      totalTokens: 0,
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    },
    stopReason,
    timestamp: Date.now(),
  };
}

/** A stream that ends at once in one `error` event carrying `message`. */
export function failedStream(model: Model<Api>, message: string): AssistantMessageEventStream {
  const stream = createAssistantMessageEventStream();
  stream.push({ type: "error", reason: "error", error: { ...emptyAssistantMessage(model, "error"), errorMessage: message } });
  stream.end();
  return stream;
}

/** A new, empty event stream to forward events into. */
export function createEventStream(): AssistantMessageEventStream {
  return createAssistantMessageEventStream();
}

/**
 * The `apiKey` to give `registerProvider`: the resolved key itself, which every pi version reads as a
 * literal. A keyless proxy gets a placeholder, because pi only lists models whose provider has a key.
 */
export function providerApiKey(apiKey: string | undefined): string {
  return apiKey ?? "no-key";
}

/** pi's agent directory (`PI_CODING_AGENT_DIR`, else `~/.pi/agent`), where pi keeps its own files. */
export function agentDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const configured = env.PI_CODING_AGENT_DIR?.trim();
  if (!configured) return join(homedir(), ".pi", "agent");
  return configured.startsWith("~") ? join(homedir(), configured.slice(1)) : configured;
}

/** Where the extension keeps its own files (learned rules, catalog cache): beside pi's, in `<agent dir>/litellm`. */
export function stateDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return join(agentDir(env), "litellm");
}

/** Writes one line to stderr: startup problems must not reach stdout, which `-p` and `--list-models` own. */
export function warn(line: string): void {
  process.stderr.write(`pi-litellm-provider: ${line}\n`);
}
