/**
 * When a provider's catalog is read again, after its start: a warm start's cache is re-checked in
 * the background for the next start; pi's own refresh (`refreshModels`, pi 0.87 and later) gets the
 * live catalog; a model the proxy no longer serves makes it re-read at most once a minute; a cold
 * start that ran out of time reads it again with time to spare. Nothing is read while the provider
 * is barred (replaced, or its project's trust not yet confirmed).
 *
 * @module
 */

import type { CatalogCache } from "../catalog/catalog-cache.ts";
import type { LiteLLMConfig } from "../config/config.ts";
import type { ProviderModelConfig, RefreshModelsContext } from "../pi.ts";
import type { FailureKind } from "../proxy-http.ts";
import { loadLater } from "../load-later.ts";
import { redact } from "../secrets.ts";
import type { Result } from "../types.ts";
import type { ProviderCatalog } from "./catalog.ts";

/** Why a discovery registered nothing: the proxy's failure, or `no-models` when it answered with none for pi. */
export interface RefreshProblem {
  kind: FailureKind | "no-models";
  message: string;
}

/** How the background refresh of a warm start is going. */
export type BackgroundRefresh =
  | { state: "scheduled" | "running" }
  | { state: "done"; models: number }
  | { state: "failed"; problem: string };

/** A stale catalog is re-read at most this often, however many requests report it; pi's own refresh skips one this fresh. */
const STALE_REFRESH_INTERVAL_MS = 60_000;

/**
 * The proxy's model list. The discovery's modules load at the first refresh: a warm start that
 * refreshes nothing (`pi --list-models`) never loads them, and pi's loader costs about a millisecond a module.
 */
const discover: typeof import("../catalog/discovery.ts").discover = async (config, fetchImpl) =>
  (await loadLater(() => import("../catalog/discovery.ts"))).discover(config, fetchImpl);

/** The least time the discovery of a run that went ahead on a model's name alone gets. */
const PATIENT_DISCOVERY_MS = 30_000;

/** What the refresh needs of its provider. */
export interface RefreshOwner {
  catalog: ProviderCatalog;
  cache: CatalogCache;
  /** The configuration the provider's own requests use (a `/logout` takes the login's key out). */
  requestConfig(): LiteLLMConfig;
  fetch?: typeof fetch;
  /** Why the provider may not send now, if so. */
  barred(): string | undefined;
  /** Discovers and registers again now. */
  refresh(): Promise<Result<number, RefreshProblem>>;
  /** Registers the adopted catalog with pi, and caches it. */
  publish(): void;
  /** A line for the user, when something they would notice happened. */
  notify(line: string): void;
}

/** Lets a short run end without waiting for the timer: Node's timers have `unref`, Deno's are ids. */
function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  if (typeof timer === "object" && "unref" in timer) timer.unref();
  else (globalThis as { Deno?: { unrefTimer?(id: unknown): void } }).Deno?.unrefTimer?.(timer);
}

/** One provider's later reads of its catalog. */
export class CatalogRefresh {
  #background: BackgroundRefresh | undefined;
  #run: Promise<void> | undefined;
  #staleAt = 0;

  constructor(readonly owner: RefreshOwner) {}

  /** How the background refresh of a warm start is going; `undefined` after a cold start. */
  get background(): BackgroundRefresh | undefined {
    return this.#background;
  }

  /** Settles when the background refresh has ended; `undefined` while none has been started. */
  get backgroundRun(): Promise<void> | undefined {
    return this.#run;
  }

  /** A warm start registered the cache: a re-check is due (when a session starts, or now if the cache is old). */
  schedule(): void {
    this.#background = { state: "scheduled" };
  }

  /** Starts the scheduled re-check, once; an unref'd timer lets a short run end first. */
  recheck(): void {
    if (this.#background?.state !== "scheduled" || this.#run || this.owner.barred()) return;
    this.#run = new Promise((resolve) => unrefTimer(setTimeout(() => void this.#refreshCache().then(resolve), 0)));
  }

  async #refreshCache(): Promise<void> {
    this.#background = { state: "running" };
    const { catalog, cache } = this.owner;
    try {
      const result = await discover(this.owner.requestConfig(), this.owner.fetch);
      if (result.ok) {
        const fresh = catalog.withRoutes(result.value);
        cache.write(fresh, "merge", catalog.build(fresh));
      }
      this.#background = result.ok
        ? { state: "done", models: result.value.models.length }
        : { state: "failed", problem: result.problem.message };
    } catch (error) {
      // A background refresh must never disturb the running session; /litellm shows what happened.
      const problem = redact(
        `LiteLLM refresh failed: ${error instanceof Error ? error.message : String(error)}`,
        this.owner.requestConfig().secrets,
      );
      this.#background = { state: "failed", problem };
    }
  }

  /**
   * The catalog as the proxy lists it now, for pi's own refresh: adopted and cached, not registered
   * again, since pi replaces the models with what this returns. Offline, or within a minute of a
   * discovery, nothing is asked (`undefined`: pi keeps its models). A failure throws its line.
   */
  async live(context: RefreshModelsContext): Promise<ProviderModelConfig[] | undefined> {
    // pi also asks offline (at startup, after each registration): the models it has stay, unasked.
    if (context.allowNetwork === false || this.owner.barred()) return undefined;
    const { catalog, cache } = this.owner;
    const current = catalog.current;
    if (!context.force && current && !catalog.fromCache && Date.now() - current.fetchedAt < STALE_REFRESH_INTERVAL_MS) return undefined;
    const result = await discover(this.owner.requestConfig(), this.owner.fetch);
    if (!result.ok) throw new Error(result.problem.message);
    const fresh = catalog.withRoutes(result.value);
    const adopted = catalog.adopt(fresh, false);
    if (!adopted.ok) throw new Error(adopted.problem);
    catalog.problem = undefined;
    cache.write(fresh, "merge", catalog.built);
    return adopted.value;
  }

  /**
   * The proxy answered that a listed model is unknown or not allowed: the catalog is re-read in the
   * background, at most once a minute, and applies (and is cached) when it arrives.
   */
  stale(): void {
    if (this.owner.barred()) return;
    const now = Date.now();
    if (now - this.#staleAt < STALE_REFRESH_INTERVAL_MS) return;
    this.#staleAt = now;
    this.owner.refresh().then((registered) => {
      if (!registered.ok) this.owner.notify(registered.problem.message);
    }, () => {
      // The request already failed with its own line; a failed re-read adds nothing to it.
    });
  }

  /**
   * A cold start ran out of time: the model list is read again with time to spare, and replaces the
   * model registered from its name alone when it comes.
   */
  patiently(): void {
    const config = this.owner.requestConfig();
    const patient = { ...config, discoveryTimeoutMs: Math.max(config.discoveryTimeoutMs * 10, PATIENT_DISCOVERY_MS) };
    void discover(patient, this.owner.fetch).then((result) => {
      if (!result.ok || this.owner.barred()) return;
      if (this.owner.catalog.adopt(this.owner.catalog.withRoutes(result.value), false).ok) this.owner.publish();
    }, () => {
      // The request itself says what is wrong with the proxy; a second line would say less.
    });
  }
}
