/**
 * One LiteLLM provider registered with pi, and its life: started from the cache or the proxy,
 * registered with the stream, told when a session starts, barred once replaced or while its
 * project's trust is not confirmed. Its parts do the rest: the catalog and its refreshes, the MCP
 * gateway, the spend meter, budgets, and the diagnosis of a failed connection.
 *
 * @module
 */

import { join } from "node:path";
import { CatalogCache, type RouteWrite } from "../catalog/catalog-cache.ts";
import type { BuiltModels } from "../catalog/models.ts";
import type { LiteLLMConfig } from "../config/config.ts";
import { type ExtensionAPI, providerApiKey, type ProviderLogin, registerProvider, type SessionContext, sessionModel } from "../pi.ts";
import { LearnedRules } from "../requests/learned-rules.ts";
import { guardProxy } from "../requests/proxy-fetch.ts";
import { BUDGET_WARNING_SHARES, type KeyInfo } from "../requests/spend.ts";
import type { StreamProfile } from "../requests/stream-dependencies.ts";
import { lazyStream } from "../requests/stream-loader.ts";
import { loadLater } from "../load-later.ts";
import { WIRE_API_TABLE } from "../requests/wire-apis.ts";
import { printable, redact } from "../secrets.ts";
import type { Catalog, Result, WireApi } from "../types.ts";
import { ProviderCatalog } from "./catalog.ts";
import { CatalogRefresh, type RefreshProblem } from "./catalog-refresh.ts";
import { McpGateway } from "./gateway.ts";
import { SpendMeter } from "./spend-meter.ts";

export type { BackgroundRefresh, RefreshProblem } from "./catalog-refresh.ts";
export type { McpState } from "./gateway.ts";

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
  /** Keys pi may hand this provider that were set for something else (a login that lost, a replaced proxy's): never sent. */
  foreignKeys?: readonly string[];
  /** For a provider whose key is a login's: whether pi's store still holds it (a `/logout` removes it). */
  loggedIn?(): boolean;
  /** From a project pi is expected to trust: its cached catalog only, nothing sent until {@link LiteLLMProvider.trustConfirmed}. */
  awaitsTrust?: boolean;
  /** The model of this provider the command line names (`--model litellm/<id>`), if any. */
  namedModel?: string;
}

/**
 * A warm start re-checks its cache when a session starts, or at load once the cache is older than
 * this: `--list-models` starts no session, so a fresh cache costs it nothing.
 */
export const CACHE_RECHECK_MS = 10 * 60_000;

/** The registered provider and what `/litellm` reports about it. */
export class LiteLLMProvider {
  readonly rules: LearnedRules;
  readonly cache: CatalogCache;
  /** The api id pi routes this provider's models by: our own, so no other provider's requests reach us. */
  readonly api: string;
  readonly models: ProviderCatalog;
  readonly refreshes: CatalogRefresh;
  readonly gateway: McpGateway;
  /** The session's spend through this provider, from LiteLLM's own figures. */
  readonly meter: SpendMeter;
  #notify: Notify | undefined;
  /** Where print mode's lines go (stderr): a lasting change must not happen unseen there either. */
  #warn: Notify | undefined;
  #retired = false;
  /** Whether it may send anything: not while its project's trust awaits pi's confirmation. */
  #online: boolean;

  constructor(readonly pi: ExtensionAPI, readonly config: LiteLLMConfig, readonly options: ProviderOptions = {}) {
    this.api = `litellm:${config.providerName}`;
    this.#online = options.awaitsTrust !== true;
    const dir = options.stateDir;
    this.rules = new LearnedRules(dir === undefined ? undefined : join(dir, "learned-rules.json"), config.baseUrl);
    this.cache = new CatalogCache(dir, config.baseUrl, config.apiKey);
    this.models = new ProviderCatalog(config, this.api);
    this.gateway = new McpGateway(pi, config, options.fetch);
    this.meter = new SpendMeter(config.providerName, config.spend ?? { footer: true, warnAt: BUDGET_WARNING_SHARES });
    this.refreshes = new CatalogRefresh({
      catalog: this.models,
      cache: this.cache,
      requestConfig: () => this.#requestConfig,
      ...(options.fetch ? { fetch: options.fetch } : {}),
      barred: () => this.#barred,
      refresh: () => this.refresh(),
      publish: () => this.publish(),
      notify: (line) => this.#notify?.(line),
    });
    guardProxy(config.baseUrl, config.baseUrlVariable);
  }

  /** Registers the proxy's MCP gateway with pi (put off while the project's trust is not confirmed); the line when pi refused it. */
  registerMcp(): string | undefined {
    return this.gateway.register(this.#online);
  }

  /** pi trusts the project: the provider may send, and registers the MCP server it put off (the line if pi refused it). */
  trustConfirmed(): string | undefined {
    if (this.#online) return undefined;
    this.#online = true;
    return this.gateway.registerDeferred();
  }

  /** Replaced (a login, a trust decision): nothing more is sent or registered, so a late refresh cannot put the old proxy back. */
  retire(): void {
    this.#retired = true;
  }

  /** Why this provider may not send now (replaced, or its project's trust not confirmed); `undefined` when it may. */
  get #barred(): string | undefined {
    if (this.#retired) return `${this.config.providerName} was replaced; its requests go to the provider now registered under that name`;
    if (!this.#online) return `${this.config.providerName} comes from this project's settings, which pi has not confirmed it trusts yet`;
    return undefined;
  }

  /** A session starts: notices go to its TUI, the cache is re-checked, the meter starts over. Never throws into pi. */
  sessionStarted(ctx: SessionContext, warn: (line: string) => void): void {
    this.#notify = ctx.hasUI ? (message) => ctx.ui.notify(message, "info") : undefined;
    this.#warn = warn;
    this.refreshes.recheck();
    this.meter.sessionStarted(ctx, warn, this.#barred ? undefined : () => this.keyInfo());
    try {
      const notice = this.models.unlistedModelNotice(sessionModel(ctx), ctx.model);
      if (notice) ctx.hasUI ? ctx.ui.notify(notice, "warning") : warn(notice);
    } catch {
      // A session pi could not describe is no reason to disturb its start.
    }
  }

  /** Registers the models at load, from the cache at once or from the proxy within the bound; gives the problem lines. */
  async start(): Promise<string[]> {
    const problems = this.rules.problem ? [this.rules.problem] : [];
    const cached = this.cache.read();
    if (cached) {
      this.refreshes.schedule();
      const registered = this.#register(cached.catalog, true, cached.built);
      if (Date.now() - cached.catalog.fetchedAt > (this.options.recheckAfterMs ?? CACHE_RECHECK_MS)) this.refreshes.recheck();
      if (!registered.ok) problems.push(registered.problem);
    } else if (!this.#online) {
      problems.push(
        `${this.config.providerName}: no cached catalog, and nothing is asked of ${this.config.baseUrl} before pi trusts the project`,
      );
    } else {
      const registered = await this.refresh();
      const named = this.options.namedModel;
      if (!registered.ok && registered.problem.kind === "timeout" && named) {
        problems.push(this.#goAheadWith(named, registered.problem.message));
      } else if (!registered.ok) problems.push(registered.problem.message);
    }
    return [...problems, ...this.models.notes];
  }

  /** A cold start out of time, for a run naming one of our models: that model goes ahead on its name, the list follows. */
  #goAheadWith(id: string, why: string): string {
    this.#register({ source: "models", fetchedAt: 0, models: [{ id }] }, false);
    this.refreshes.patiently();
    return `${why.replace(/; check the proxy or raise LITELLM_DISCOVERY_TIMEOUT_MS$/, "")}; ${this.config.providerName}/${
      printable(id)
    } goes ahead on its name alone (its family's limits) while the model list is read again`;
  }

  /** Discovers now and re-registers; the models apply at once. Gives how many were registered, or the problem. */
  async refresh(): Promise<Result<number, RefreshProblem>> {
    const connected = await this.connect();
    if (connected.ok) this.publish();
    return connected;
  }

  /** Discovers and adopts the catalog without telling pi ({@link publish} does): a login checks a proxy this way. */
  async connect(): Promise<Result<number, RefreshProblem>> {
    const barred = this.#barred;
    if (barred) return { ok: false, problem: { kind: "http", message: barred } };
    const { discover } = await loadLater(() => import("../catalog/discovery.ts"));
    const result = await discover(this.#requestConfig, this.options.fetch);
    if (!result.ok) {
      this.models.problem = result.problem.message;
      return { ok: false, problem: { kind: result.problem.kind, message: result.problem.message } };
    }
    const adopted = this.models.adopt(this.models.withRoutes(result.value), false);
    this.models.problem = adopted.ok ? undefined : adopted.problem;
    return adopted.ok ? { ok: true, value: adopted.value.length } : { ok: false, problem: { kind: "no-models", message: adopted.problem } };
  }

  /** Registers the catalog {@link connect} adopted with pi, and caches it for the next start. */
  publish(): void {
    const catalog = this.models.current;
    if (!catalog) return;
    this.#register(catalog, false);
    this.cache.write(catalog, "merge", this.models.built);
  }

  /** The tools the proxy's MCP gateway serves, read when `/litellm mcp` asks. */
  async mcpTools(): Promise<Result<string[]>> {
    const barred = this.#barred;
    return barred ? { ok: false, problem: barred } : this.gateway.tools(this.#requestConfig);
  }

  /** `/key/info` for this provider's key, read when `/litellm` asks (and once per session for the footer). */
  async keyInfo(): Promise<Result<KeyInfo>> {
    const barred = this.#barred;
    if (barred) return { ok: false, problem: barred };
    const { keyInfo } = await loadLater(() => import("./budgets.ts"));
    return keyInfo(this.#requestConfig, this.options.fetch);
  }

  /** `/litellm spend`'s report: the session's turns, and the budgets the proxy answers for. */
  async spendReport(): Promise<string[]> {
    const barred = this.#barred;
    if (barred) return this.meter.report([], [barred]);
    const { budgets } = await loadLater(() => import("./budgets.ts"));
    const found = await budgets(this.#requestConfig, this.options.fetch);
    if (found.key) this.meter.keyInfo(found.key);
    return this.meter.report(found.budgets, found.unknown);
  }

  /** Tries every route again (after a proxy upgrade); returns how many were forgotten. */
  forgetRoutes(): number {
    const forgotten = this.models.forgetRoutes();
    if (!forgotten) return 0;
    this.#reregister(forgotten.catalog, "replace");
    return forgotten.count;
  }

  /** The proxy lacks a route: its models take the fallback now, and the cache remembers it. */
  #routeUnserved(wireApi: WireApi): void {
    const catalog = this.models.current;
    if (!catalog || !this.models.markUnserved(wireApi)) return;
    this.#reregister(this.models.withRoutes(catalog));
    const { route, fallback } = WIRE_API_TABLE[wireApi];
    this.#notify?.(
      `LiteLLM at ${this.config.baseUrl} does not serve ${route}; its models use ${fallback} from now on (/litellm forget retries it)`,
    );
  }

  /** The same models under what is now known of the proxy's routes, for this session and the next start. */
  #reregister(catalog: Catalog, routes: RouteWrite = "merge"): void {
    this.#register(catalog, this.models.fromCache);
    this.cache.write(catalog, routes, this.models.built);
  }

  /** Registers a catalog's models with pi; gives how many, or why there are none. */
  #register(catalog: Catalog, fromCache: boolean, kept?: BuiltModels): Result<number> {
    if (this.#retired) return { ok: false, problem: `${this.config.providerName} was replaced` };
    const adopted = this.models.adopt(catalog, fromCache, kept);
    if (!adopted.ok) return adopted;
    const registered = registerProvider(this.pi, this.config.providerName, {
      name: "LiteLLM",
      baseUrl: `${this.config.baseUrl}/v1`,
      // A login's key is pi's to look up per request (so /logout applies at once); others are pinned.
      ...(this.config.keyFromLogin ? {} : { apiKey: providerApiKey(this.config.apiKey) }),
      ...(this.options.login ? { oauth: this.options.login } : {}),
      // Always given: pi keeps the headers of an earlier registration under this name otherwise.
      headers: { ...this.config.headers },
      api: this.api,
      models: adopted.value,
      // pi ≥ 0.87 asks for the live catalog itself (when /model opens); older pis never call it.
      refreshModels: (context) => this.refreshes.live(context),
      streamSimple: lazyStream({
        barred: () => this.#barred,
        root: this.config.baseUrl,
        profileOf: (model) => this.models.profileOf(model),
        unserved: (wireApi) => this.#routeUnserved(wireApi),
        stale: () => this.refreshes.stale(),
        // The TUI shows pi's compaction; print mode shows nothing at all.
        printModeNote: (line) => this.#notify ? undefined : this.#warn?.(line),
        answered: (headers) => this.meter.answered(headers),
        turnEnded: (turn) => this.meter.turnEnded(turn),
        diagnose: async () => (await loadLater(() => import("./diagnosis.ts"))).diagnose(this.config, this.options.fetch),
        keyFor: (fromPi) => (fromPi !== undefined && this.options.foreignKeys?.includes(fromPi) ? this.#ownKey : fromPi),
        keyVariable: this.config.apiKeyVariable,
        urlVariable: this.config.baseUrlVariable,
        secrets: this.config.secrets,
        extraDrops: (profile) => this.rules.fieldsFor(profile.id, profile.wireApi),
        learned: (profile, field, error) => this.#learned(profile, field, error),
      }),
    });
    if (!registered) this.#retired = true;
    return registered
      ? { ok: true, value: adopted.value.length }
      : { ok: false, problem: `${this.config.providerName}: pi has ended this session` };
  }

  /** The configuration of the extension's own requests: after a `/logout` the login's key goes, as pi's does. */
  get #requestConfig(): LiteLLMConfig {
    if (!this.config.keyFromLogin || (this.options.loggedIn?.() ?? true)) return this.config;
    const { apiKey: _forgotten, ...config } = this.config;
    return { ...config, apiKey: undefined };
  }

  /** The key this provider's requests carry in place of a foreign one: its pinned key, or none for a login's (pi's to look up). */
  get #ownKey(): string {
    return providerApiKey(this.config.keyFromLogin ? undefined : this.config.apiKey);
  }

  #learned(profile: StreamProfile, field: string, error: string): void {
    const reason = redact(error.split("\n")[0] ?? "", this.config.secrets).slice(0, 240);
    if (this.rules.learn({ model: profile.id, wireApi: profile.wireApi, field, reason })) {
      const line = `LiteLLM: ${profile.id} rejected "${field}"; it is no longer sent to that model (/litellm forget undoes this)`;
      (this.#notify ?? this.#warn)?.(line);
    }
  }
}
