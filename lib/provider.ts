/**
 * One LiteLLM provider registered with pi: where its catalog comes from (cache or proxy), its
 * learned rules, the stream function that applies both, and the notice a user sees when a rule is
 * learned.
 *
 * @module
 */

import { join } from "node:path";
import { CatalogCache, type RouteWrite } from "./catalog/catalog-cache.ts";
import type { LiteLLMConfig } from "./config/config.ts";
import { discover, proxyRequest } from "./catalog/discovery.ts";
import { LearnedRules } from "./requests/learned-rules.ts";
import { buildModels, type ModelProfile, profileOf } from "./catalog/models.ts";
import {
  type ExtensionAPI,
  type ModelRef,
  type ProviderModelConfig,
  providerApiKey,
  type ProviderLogin,
  type RefreshModelsContext,
  registerMcpServer,
  registerProvider,
  type SessionContext,
  sessionCost,
  sessionModel,
} from "./pi.ts";
import type { ConnectionCause } from "./requests/error-kinds.ts";
import { type FailureKind, getJson } from "./proxy-http.ts";
import { printable, redact } from "./secrets.ts";
import { guardProxy } from "./requests/proxy-fetch.ts";
import { BUDGET_WARNING_SHARES, type KeyInfo, readKeyInfo } from "./requests/spend.ts";
import { type ReportedBudget, SpendMeter } from "./provider/spend-meter.ts";
import { createStream, type StreamProfile } from "./requests/stream.ts";
import type { Catalog, Result, WireApi } from "./types.ts";
import { WIRE_API_TABLE } from "./requests/wire-apis.ts";

/** A one-line notice for the TUI; print mode has none. */
export type Notify = (message: string) => void;

/** What a provider is built from besides its configuration. */
export interface ProviderOptions {
  /** The extension's directory (learned rules, catalog cache); `undefined` keeps both in memory. */
  stateDir?: string;
  fetch?: typeof fetch;
  /** How old a cache may be before a warm start re-checks it at load (see {@link CACHE_RECHECK_MS}). */
  recheckAfterMs?: number;
  /** The provider's entry in pi's `/login`, registered with its models. */
  login?: ProviderLogin;
  /**
   * Keys pi may hand this provider that were set for something else: a stored login the environment
   * or settings win over, or the key of the proxy a login replaced (pi keeps a key a registration
   * gave). A request never carries one; it carries the provider's own key instead.
   */
  foreignKeys?: readonly string[];
  /** For a provider whose key is a login's: whether pi's store still holds it (a `/logout` removes it). */
  loggedIn?(): boolean;
  /**
   * The provider comes from a project pi is expected, not yet known, to trust: it registers its
   * cached catalog and sends nothing (no request, no MCP server) until {@link LiteLLMProvider.trustConfirmed}.
   */
  awaitsTrust?: boolean;
  /** The model of this provider the command line names (`--model litellm/<id>`), if any. */
  namedModel?: string;
}

/** Why a discovery registered nothing: the proxy's failure, or `no-models` when it answered with none for pi. */
export interface RefreshProblem {
  kind: FailureKind | "no-models";
  message: string;
}

/**
 * A warm start registers the cached catalog at once and re-checks it in the background: when a
 * session starts (`-p` and the TUI alike), or already when pi loads the extension if the cache is
 * older than this. `--list-models` starts no session, so a fresh cache costs it nothing.
 */
export const CACHE_RECHECK_MS = 10 * 60_000;

/** The probe's failure kinds that name a connection cause; any other answer means the proxy is there. */
const CONNECTION_KINDS: readonly ConnectionCause[] = ["refused", "dns", "tls", "timeout", "network"];

/** The least time the background discovery of a run that went ahead on a model's name alone gets. */
const PATIENT_DISCOVERY_MS = 30_000;

/** A stale catalog is re-read at most this often, however many requests report it. */
const STALE_REFRESH_INTERVAL_MS = 60_000;

/** How long the probe after a failed connection may take before its line is given anyway. */
const DIAGNOSIS_TIMEOUT_MS = 2_000;

/** Lets a short run end without waiting for the timer: Node's timers have `unref`, Deno's are ids. */
function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  if (typeof timer === "object" && "unref" in timer) timer.unref();
  else (globalThis as { Deno?: { unrefTimer?(id: unknown): void } }).Deno?.unrefTimer?.(timer);
}

/** Where LiteLLM's MCP gateway stands with pi, for `/litellm`. */
export type McpState =
  | { state: "off" }
  | { state: "unsupported" }
  | { state: "registered"; name: string; url: string }
  | { state: "refused"; problem: string };

/** How the background refresh of a warm start is going. */
export type BackgroundRefresh =
  | { state: "scheduled" | "running" }
  | { state: "done"; models: number }
  | { state: "failed"; problem: string };

/** The registered provider and what `/litellm` reports about it. */
export class LiteLLMProvider {
  readonly rules: LearnedRules;
  readonly cache: CatalogCache;
  /** The session's spend through this provider, from LiteLLM's own figures. */
  readonly meter: SpendMeter;
  /** The api id pi routes this provider's models by: our own, so no other provider's requests reach us. */
  readonly api: string;
  #profiles: ReadonlyMap<string, ModelProfile> = new Map();
  #catalog: Catalog | undefined;
  #fromCache = false;
  #background: BackgroundRefresh | undefined;
  #backgroundRun: Promise<void> | undefined;
  #notify: Notify | undefined;
  /** Where print mode's lines go (stderr): a lasting change must not happen unseen there either. */
  #warn: Notify | undefined;
  /** Routes this proxy answered 404 for, remembered with the catalog so the next start skips them. */
  #unserved = new Set<WireApi>();
  #staleRefreshAt = 0;
  /** Why the last discovery registered nothing, for `/litellm`. */
  #problem: string | undefined;
  #mcp: McpState = { state: "off" };
  /** Settings that cannot take effect on the registered models, said once at start. */
  #settingNotes: string[] = [];
  #retired = false;
  /** Whether it may send anything: not while its project's trust awaits pi's confirmation. */
  #online: boolean;
  /** The MCP registration put off until the project's trust is confirmed. */
  #mcpDeferred = false;

  constructor(readonly pi: ExtensionAPI, readonly config: LiteLLMConfig, readonly options: ProviderOptions = {}) {
    this.api = `litellm:${config.providerName}`;
    this.#online = options.awaitsTrust !== true;
    this.meter = new SpendMeter(config.providerName, config.spend ?? { footer: true, warnAt: BUDGET_WARNING_SHARES });
    const dir = options.stateDir;
    this.rules = new LearnedRules(dir === undefined ? undefined : join(dir, "learned-rules.json"), config.baseUrl);
    this.cache = new CatalogCache(dir, config.baseUrl, config.apiKey);
    guardProxy(config.baseUrl, config.baseUrlVariable);
  }

  /** The catalog currently registered, if any. */
  get catalog(): Catalog | undefined {
    return this.#catalog;
  }

  /** Whether the registered catalog came from the cache rather than from the proxy just now. */
  get fromCache(): boolean {
    return this.#fromCache;
  }

  /** Where LiteLLM's MCP gateway stands with pi. */
  get mcp(): McpState {
    return this.#mcp;
  }

  /**
   * Registers the proxy's MCP gateway (`<proxy>/mcp`) with pi, where pi has MCP (1.x): no request
   * now, pi connects when the session starts, with this provider's key in `x-litellm-api-key`.
   * Returns the problem line when pi refused the registration.
   */
  registerMcp(): string | undefined {
    const mcp = this.config.mcp;
    if (!mcp) return undefined;
    // pi connects an MCP server at session start, with the key: not before the project is trusted.
    if (!this.#online) {
      this.#mcpDeferred = true;
      return undefined;
    }
    const url = `${this.config.baseUrl}/mcp`;
    const headers = { ...this.config.headers, ...(this.config.apiKey ? { "x-litellm-api-key": `Bearer ${this.config.apiKey}` } : {}) };
    const registered = registerMcpServer(this.pi, mcp.name, {
      url,
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(mcp.exposure ? { exposure: mcp.exposure } : {}),
      description: `The MCP servers of the LiteLLM proxy at ${this.config.baseUrl}`,
    });
    if (!registered.ok) {
      const problem = redact(`LiteLLM: pi refused the MCP gateway ${mcp.name} (${url}): ${registered.problem}`, this.config.secrets);
      this.#mcp = { state: "refused", problem };
      return problem;
    }
    this.#mcp = registered.value ? { state: "registered", name: mcp.name, url } : { state: "unsupported" };
    return undefined;
  }

  /**
   * pi trusts the project this provider's settings came from: it may send from now on, and
   * registers the MCP server it put off. Gives the line when pi refused that registration.
   */
  trustConfirmed(): string | undefined {
    if (this.#online) return undefined;
    this.#online = true;
    if (!this.#mcpDeferred) return undefined;
    this.#mcpDeferred = false;
    return this.registerMcp();
  }

  /** Why this provider may not send now (replaced, or its project's trust not confirmed); `undefined` when it may. */
  get #barred(): string | undefined {
    if (this.#retired) return `${this.config.providerName} was replaced; its requests go to the provider now registered under that name`;
    if (!this.#online) return `${this.config.providerName} comes from this project's settings, which pi has not confirmed it trusts yet`;
    return undefined;
  }

  /** Wire APIs whose route this proxy does not serve; their models use the route's fallback. */
  get unservedRoutes(): readonly WireApi[] {
    return [...this.#unserved];
  }

  /** How the background refresh of a warm start is going; `undefined` after a cold start. */
  get background(): BackgroundRefresh | undefined {
    return this.#background;
  }

  /**
   * At each session start: notices go to the TUI when there is one (print mode has none), a warm
   * start's catalog is re-checked in the background, and a session wanting a model the catalog
   * lacks gets one line. Never throws into pi's event loop.
   */
  sessionStarted(ctx: SessionContext, warn: (line: string) => void): void {
    this.#notify = ctx.hasUI ? (message) => ctx.ui.notify(message, "info") : undefined;
    this.#warn = warn;
    this.#recheck();
    const footer = ctx.hasUI && this.meter.settings.footer;
    this.meter.started({
      ...(footer && ctx.ui.setStatus ? { setStatus: (text: string | undefined) => ctx.ui.setStatus!(`litellm-${this.config.providerName}`, text) } : {}),
      warn: ctx.hasUI ? (line) => ctx.ui.notify(line, "warning") : warn,
    }, sessionCost(ctx, this.config.providerName));
    // The footer's reset time is /key/info's, asked once per session, and only for a footer.
    if (footer && !this.#barred) void this.keyInfo().then((info) => info.ok && this.meter.keyInfo(info.value), () => {});
    try {
      const notice = this.unlistedModelNotice(sessionModel(ctx), ctx.model);
      if (notice) ctx.hasUI ? ctx.ui.notify(notice, "warning") : warn(notice);
    } catch {
      // A session pi could not describe is no reason to disturb its start.
    }
  }

  /**
   * Registers the models at startup: at once from the cache when there is one (refreshing it in the
   * background for the next start), else from the proxy within the discovery timeout. Returns the
   * problem lines: why nothing could be registered, why learned rules are not kept.
   */
  async start(): Promise<string[]> {
    const problems = this.rules.problem ? [this.rules.problem] : [];
    const cached = this.cache.read();
    if (cached) {
      this.#background = { state: "scheduled" };
      const registered = this.#register(cached, true);
      if (Date.now() - cached.fetchedAt > (this.options.recheckAfterMs ?? CACHE_RECHECK_MS)) this.#recheck();
      if (!registered.ok) problems.push(registered.problem);
    } else if (!this.#online) {
      problems.push(`${this.config.providerName}: no cached catalog, and nothing is asked of ${this.config.baseUrl} before pi trusts the project`);
    } else {
      const registered = await this.refresh();
      const named = this.options.namedModel;
      if (!registered.ok && registered.problem.kind === "timeout" && named) problems.push(this.#goAheadWith(named, registered.problem.message));
      else if (!registered.ok) problems.push(registered.problem.message);
    }
    return [...problems, ...this.#settingNotes];
  }

  /**
   * A cold start whose discovery ran out of time, for a run that names one of this provider's
   * models (`--model litellm/<id>`): that model is registered from its name alone (its family's
   * limits), so the run goes on and its request finds out; the list is read again in the
   * background, with time to spare, and replaces it when it comes.
   */
  #goAheadWith(id: string, why: string): string {
    this.#register({ source: "models", fetchedAt: 0, models: [{ id }] }, false);
    const patient = { ...this.#requestConfig, discoveryTimeoutMs: Math.max(this.config.discoveryTimeoutMs * 10, PATIENT_DISCOVERY_MS) };
    void discover(patient, this.options.fetch).then((result) => {
      if (!result.ok || this.#barred) return;
      const adopted = this.#adopt(this.#withRoutes(result.value), false);
      if (adopted.ok) this.publish();
    }, () => {
      // The request itself says what is wrong with the proxy; a second line would say less.
    });
    return `${why.replace(/; check the proxy or raise LITELLM_DISCOVERY_TIMEOUT_MS$/, "")}; ${this.config.providerName}/${printable(id)} goes ahead on its name alone (its family's limits) while the model list is read again`;
  }

  /** Starts the background refresh of a warm start, once; an unref'd timer lets a short run end first. */
  #recheck(): void {
    if (this.#background?.state !== "scheduled" || this.#backgroundRun || this.#barred) return;
    this.#backgroundRun = new Promise((resolve) => unrefTimer(setTimeout(() => void this.#refreshCache().then(resolve), 0)));
  }

  /** Settles when the background refresh has ended; `undefined` while none has been started. */
  get backgroundRun(): Promise<void> | undefined {
    return this.#backgroundRun;
  }

  /** Discovers now and re-registers; the models apply at once. Gives how many were registered, or the problem. */
  async refresh(): Promise<Result<number, RefreshProblem>> {
    const connected = await this.connect();
    if (connected.ok) this.publish();
    return connected;
  }

  /**
   * Discovers and makes the catalog this provider's, without telling pi yet ({@link publish} does):
   * a login checks a proxy this way before it is used. Gives how many models it has, or the problem.
   */
  async connect(): Promise<Result<number, RefreshProblem>> {
    const barred = this.#barred;
    if (barred) return { ok: false, problem: { kind: "http", message: barred } };
    const result = await discover(this.#requestConfig, this.options.fetch);
    if (!result.ok) {
      this.#problem = result.problem.message;
      return { ok: false, problem: { kind: result.problem.kind, message: this.#problem } };
    }
    const catalog = this.#withRoutes(result.value);
    const adopted = this.#adopt(catalog, false);
    if (!adopted.ok) {
      this.#problem = adopted.problem;
      return { ok: false, problem: { kind: "no-models", message: adopted.problem } };
    }
    this.#problem = undefined;
    return { ok: true, value: adopted.value.length };
  }

  /** Registers the catalog {@link connect} adopted with pi, and caches it for the next start. */
  publish(): void {
    if (!this.#catalog) return;
    this.#register(this.#catalog, false);
    this.cache.write(this.#catalog);
  }

  /**
   * Stops this provider from registering again: a login replaced it, and a refresh still under way
   * must not put the old proxy back.
   */
  retire(): void {
    this.#retired = true;
  }

  /**
   * The catalog as the proxy lists it now, for pi's own refresh (`refreshModels`): discovered,
   * applied to this provider's profiles and cached, without registering again, since pi replaces
   * the models with what this returns. Offline, or within a minute of a discovery, nothing is asked
   * (`undefined`: pi keeps its models). A failure throws its line: pi keeps the models it has.
   */
  async #liveModels(context: RefreshModelsContext): Promise<ProviderModelConfig[] | undefined> {
    // pi also asks offline (at startup, after each registration): the models it has stay, unasked.
    if (context.allowNetwork === false || this.#barred) return undefined;
    const catalog = this.#catalog;
    if (!context.force && catalog && !this.#fromCache && Date.now() - catalog.fetchedAt < STALE_REFRESH_INTERVAL_MS) return undefined;
    const result = await discover(this.#requestConfig, this.options.fetch);
    if (!result.ok) throw new Error(result.problem.message);
    const live = this.#withRoutes(result.value);
    const adopted = this.#adopt(live, false);
    if (!adopted.ok) throw new Error(adopted.problem);
    this.#problem = undefined;
    this.cache.write(live);
    return adopted.value;
  }

  /** Why the last discovery failed or registered nothing; `undefined` after one that registered models. */
  get problem(): string | undefined {
    return this.#problem;
  }

  async #refreshCache(): Promise<void> {
    this.#background = { state: "running" };
    try {
      const result = await discover(this.#requestConfig, this.options.fetch);
      if (result.ok) this.cache.write(this.#withRoutes(result.value));
      this.#background = result.ok ? { state: "done", models: result.value.models.length } : { state: "failed", problem: result.problem.message };
    } catch (error) {
      // A background refresh must never disturb the running session; /litellm shows what happened.
      this.#background = { state: "failed", problem: redact(`LiteLLM refresh failed: ${error instanceof Error ? error.message : String(error)}`, this.config.secrets) };
    }
  }

  /** A discovered catalog with what this process knows about the proxy's routes. */
  #withRoutes(catalog: Catalog): Catalog {
    return this.#unserved.size > 0 ? { ...catalog, unservedRoutes: [...this.#unserved] } : catalog;
  }

  /**
   * The proxy does not serve a route: its models move to the fallback at once, for this request and
   * the rest of the session, and the cache remembers it for the next start.
   */
  #routeUnserved(wireApi: WireApi): void {
    if (this.#unserved.has(wireApi) || !this.#catalog) return;
    this.#unserved.add(wireApi);
    this.#reregister(this.#withRoutes(this.#catalog));
    const fallback = WIRE_API_TABLE[wireApi].fallback;
    this.#notify?.(`LiteLLM at ${this.config.baseUrl} does not serve ${WIRE_API_TABLE[wireApi].route}; its models use ${fallback} from now on (/litellm forget retries it)`);
  }

  /**
   * The proxy answered that a listed model is unknown or not allowed: the catalog is re-read in the
   * background, at most once a minute, and applies (and is cached) when it arrives.
   */
  #catalogStale(): void {
    if (this.#barred) return;
    const now = Date.now();
    if (now - this.#staleRefreshAt < STALE_REFRESH_INTERVAL_MS) return;
    this.#staleRefreshAt = now;
    this.refresh().then((registered) => {
      if (!registered.ok) this.#notify?.(registered.problem.message);
    }, () => {
      // The request already failed with its own line; a failed re-read adds nothing to it.
    });
  }

  /**
   * Why a request could not connect: one probe of `/health/liveliness` (no key, never `/health`,
   * which calls every backend) tells refused, DNS, TLS and timeout apart, as discovery does.
   */
  async #diagnose(): Promise<ConnectionCause> {
    // Liveliness needs neither the key nor the configured headers.
    const { apiKey: _key, headers: _headers, ...request } = proxyRequest(this.config, "/health/liveliness", this.options.fetch);
    const probe = await getJson({ ...request, timeoutMs: DIAGNOSIS_TIMEOUT_MS });
    if (probe.ok) return "answers";
    const kind = probe.problem.kind;
    return (CONNECTION_KINDS as readonly string[]).includes(kind) ? kind as ConnectionCause : "answers";
  }

  /**
   * The tools the proxy's MCP gateway serves (`/mcp-rest/tools/list`), one line each, read when
   * `/litellm mcp` asks: `server-tool: what it does`.
   */
  async mcpTools(): Promise<Result<string[]>> {
    const barred = this.#barred;
    if (barred) return { ok: false, problem: barred };
    const result = await getJson(proxyRequest(this.#requestConfig, "/mcp-rest/tools/list", this.options.fetch));
    if (!result.ok) return { ok: false, problem: result.problem.message };
    const body = result.value as { tools?: unknown } | unknown[];
    const tools = Array.isArray(body) ? body : Array.isArray((body as { tools?: unknown }).tools) ? (body as { tools: unknown[] }).tools : [];
    return {
      ok: true,
      value: tools.map((tool) => {
        const { name, description, mcp_info: info } = (tool ?? {}) as { name?: unknown; description?: unknown; mcp_info?: { server_name?: unknown } };
        // LiteLLM lists a tool by its own name and its server; the gateway serves it as `server-tool`.
        const server = typeof info?.server_name === "string" ? `${info.server_name}-` : "";
        const about = typeof description === "string" ? `: ${description.split("\n")[0]}` : "";
        return printable(`${server}${typeof name === "string" ? name : "(unnamed)"}${about}`);
      }),
    };
  }

  /** `/key/info` for this provider's key, read when `/litellm` asks, never at startup. */
  async keyInfo(): Promise<Result<KeyInfo>> {
    const barred = this.#barred;
    if (barred) return { ok: false, problem: barred };
    const result = await getJson(proxyRequest(this.#requestConfig, "/key/info", this.options.fetch));
    return result.ok ? { ok: true, value: readKeyInfo(result.value) } : { ok: false, problem: result.problem.message };
  }

  /**
   * `/litellm spend`'s report: the session's turns from the meter, and the key's, team's and user's
   * budgets from `/key/info`, `/team/info` and `/user/info` where the proxy answers them (one with
   * a database does; without one, the report says so).
   */
  async spendReport(): Promise<string[]> {
    const key = await this.keyInfo();
    const budgets: ReportedBudget[] = [];
    const unknown: string[] = [];
    if (!key.ok) {
      unknown.push(`key budget, reset, expiry, team and user: /key/info unavailable (${key.problem})`);
      return this.meter.report(budgets, unknown);
    }
    this.meter.keyInfo(key.value);
    budgets.push({ who: "key (/key/info)", ...key.value });
    if (key.value.expires) unknown.push(`the key expires ${key.value.expires.slice(0, 16).replace("T", " ")}`);
    for (const [who, path, field] of [["team", `/team/info?team_id=${encodeURIComponent(key.value.teamId ?? "")}`, "team_info"], ["user", "/user/info", "user_info"]] as const) {
      if (who === "team" && !key.value.teamId) continue;
      const answer = await getJson(proxyRequest(this.#requestConfig, path, this.options.fetch));
      if (!answer.ok) {
        unknown.push(`${who} budget: ${path.split("?")[0]} unavailable (${answer.problem.message})`);
        continue;
      }
      const info = readKeyInfo((answer.value as Record<string, unknown> | null)?.[field] ?? answer.value);
      budgets.push({ who: `${who} ${who === "team" ? key.value.teamId : key.value.userId ?? ""} (${path.split("?")[0]})`.replace("  ", " "), ...info });
    }
    return this.meter.report(budgets, unknown);
  }

  /** Tries every route again (after a proxy upgrade); returns how many were forgotten. */
  forgetRoutes(): number {
    const count = this.#unserved.size;
    if (count === 0 || !this.#catalog) return count;
    this.#unserved.clear();
    const { unservedRoutes: _forgotten, ...catalog } = this.#catalog;
    this.#reregister(catalog, "replace");
    return count;
  }

  /** The same models under what is now known of the proxy's routes, for this session and the next start. */
  #reregister(catalog: Catalog, routes: RouteWrite = "merge"): void {
    this.#register(catalog, this.#fromCache);
    this.cache.write(catalog, routes);
  }

  /** Makes a catalog this provider's: its models built, its profiles the stream's; or why it has none. */
  #adopt(catalog: Catalog, fromCache: boolean): Result<ProviderModelConfig[]> {
    for (const wireApi of catalog.unservedRoutes ?? []) this.#unserved.add(wireApi);
    const { models, profiles, notes } = buildModels(catalog.models, this.config, this.api, this.#unserved);
    this.#settingNotes = notes;
    if (models.length === 0) return { ok: false, problem: `LiteLLM at ${this.config.baseUrl} lists no chat models for this key; check the key's model access` };
    this.#catalog = catalog;
    this.#fromCache = fromCache;
    this.#profiles = profiles;
    return { ok: true, value: models };
  }

  /** Registers a catalog's models with pi; gives how many, or why there are none. */
  #register(catalog: Catalog, fromCache: boolean): Result<number> {
    if (this.#retired) return { ok: false, problem: `${this.config.providerName} was replaced` };
    const adopted = this.#adopt(catalog, fromCache);
    if (!adopted.ok) return adopted;
    const models = adopted.value;
    const registered = registerProvider(this.pi, this.config.providerName, {
      name: "LiteLLM",
      baseUrl: `${this.config.baseUrl}/v1`,
      // A login's key is pi's to look up per request (so /logout applies at once); others are pinned.
      ...(this.config.keyFromLogin ? {} : { apiKey: providerApiKey(this.config.apiKey) }),
      ...(this.options.login ? { oauth: this.options.login } : {}),
      // Always given: pi keeps the headers of an earlier registration under this name otherwise.
      headers: { ...this.config.headers },
      api: this.api,
      models,
      // pi ≥ 0.87 asks for the live catalog itself (when /model opens); older pis never call it.
      refreshModels: (context) => this.#liveModels(context),
      streamSimple: createStream({
        barred: () => this.#barred,
        root: this.config.baseUrl,
        profileOf: (model) => this.#profiles.get(model.id) ?? profileOf({ id: model.id }, this.config, this.#unserved),
        unserved: (wireApi) => this.#routeUnserved(wireApi),
        stale: () => this.#catalogStale(),
        // The TUI shows pi's compaction; print mode shows nothing at all.
        printModeNote: (line) => this.#notify ? undefined : this.#warn?.(line),
        answered: (headers) => this.meter.answered(headers),
        turnEnded: (turn) => this.meter.turnEnded(turn),
        diagnose: () => this.#diagnose(),
        keyFor: (fromPi) => (fromPi !== undefined && this.options.foreignKeys?.includes(fromPi) ? this.#ownKey : fromPi),
        keyVariable: this.config.apiKeyVariable,
        urlVariable: this.config.baseUrlVariable,
        secrets: this.config.secrets,
        extraDrops: (profile) => this.rules.fieldsFor(profile.id, profile.wireApi),
        learned: (profile, field, error) => this.#learned(profile, field, error),
      }),
    });
    if (!registered) this.#retired = true;
    return registered ? { ok: true, value: models.length } : { ok: false, problem: `${this.config.providerName}: pi has ended this session` };
  }

  /**
   * The configuration the extension's own requests use (discovery, `/key/info`, MCP tools): after a
   * `/logout`, a login's key is no longer sent, as pi no longer sends it either.
   */
  get #requestConfig(): LiteLLMConfig {
    if (!this.config.keyFromLogin || (this.options.loggedIn?.() ?? true)) return this.config;
    const { apiKey: _forgotten, ...config } = this.config;
    return { ...config, apiKey: undefined };
  }

  /** The key this provider's requests carry in place of a foreign one: its pinned key, or none for a login's (pi's to look up). */
  get #ownKey(): string {
    return providerApiKey(this.config.keyFromLogin ? undefined : this.config.apiKey);
  }

  /**
   * A line for a session that wants a model of this provider that is not registered: a resumed
   * session whose model is gone or hidden (pi silently picks another in print mode), or a `--model`
   * the proxy does not serve.
   */
  unlistedModelNotice(wanted: ModelRef | undefined, current: ModelRef | undefined): string | undefined {
    const catalog = this.#catalog;
    const name = this.config.providerName;
    if (!catalog) return undefined;
    const unlisted = (ref: ModelRef | undefined): ref is ModelRef => ref?.provider === name && !this.#profiles.has(ref.id);
    /** Why a model is not offered: the proxy dropped it, or the user's settings hide it. */
    const why = (id: string) =>
      catalog.models.some((model) => model.id === id) ? "your hideModels setting hides" : "LiteLLM no longer lists for this key";
    if (unlisted(wanted) && wanted.id !== current?.id) {
      const now = current ? printable(`${current.provider}/${current.id}`) : "no model";
      return `This session used ${name}/${printable(wanted.id)}, which ${why(wanted.id)}; continuing with ${now}. /litellm refresh re-discovers, /model picks another`;
    }
    if (unlisted(current)) {
      return catalog.models.some((model) => model.id === current.id)
        ? `${name}/${printable(current.id)} is hidden by your hideModels setting, so requests to it will fail; remove it from hideModels to use it`
        : `LiteLLM at ${this.config.baseUrl} does not list "${printable(current.id)}" for this key, so requests to it will fail; pi --list-models ${name} shows what it serves`;
    }
    return undefined;
  }

  #learned(profile: StreamProfile, field: string, error: string): void {
    const reason = redact(error.split("\n")[0] ?? "", this.config.secrets).slice(0, 240);
    if (this.rules.learn({ model: profile.id, wireApi: profile.wireApi, field, reason })) {
      const line = `LiteLLM: ${profile.id} rejected "${field}"; it is no longer sent to that model (/litellm forget undoes this)`;
      (this.#notify ?? this.#warn)?.(line);
    }
  }
}
