/**
 * What one provider knows of its proxy's models: the catalog it registered (from the proxy or the
 * cache), the profile the stream reads for each model, the routes the proxy does not serve, and why
 * the last discovery gave nothing. Also the line for a session that wants a model it does not have.
 * It asks nothing of the proxy; the provider and its refresh do.
 *
 * @module
 */

import type { LiteLLMConfig } from "../config/config.ts";
import { buildFingerprint, buildModels, type BuiltModels, type ModelProfile, profileOf } from "../catalog/models.ts";
import type { ModelRef, ProviderModelConfig } from "../pi.ts";
import { printable } from "../secrets.ts";
import type { StreamProfile } from "../requests/stream-dependencies.ts";
import type { Catalog, CatalogEntry, Result, WireApi } from "../types.ts";

/** The catalog a provider registered, and what it knows about the proxy's routes. */
export class ProviderCatalog {
  #catalog: Catalog | undefined;
  #fromCache = false;
  #built: BuiltModels | undefined;
  /** The registered models' ids, entries and profiles, worked out when a request or a notice first asks. */
  #ids: Set<string> | undefined;
  #entries: Map<string, CatalogEntry> | undefined;
  readonly #profiles = new Map<string, ModelProfile>();
  /** Routes this proxy answered 404 for, remembered with the catalog so the next start skips them. */
  readonly #unserved = new Set<WireApi>();
  /** Why the last discovery gave nothing, for `/litellm`. */
  problem: string | undefined;

  /** @param api The api id pi routes this provider's models by. */
  constructor(readonly config: LiteLLMConfig, readonly api: string) {}

  /** The catalog registered, if any. */
  get current(): Catalog | undefined {
    return this.#catalog;
  }

  /** Whether the registered catalog came from the cache rather than from the proxy just now. */
  get fromCache(): boolean {
    return this.#fromCache;
  }

  /** The models registered, as the cache keeps them for the next start. */
  get built(): BuiltModels | undefined {
    return this.#built;
  }

  /** Settings that cannot take effect on the registered models. */
  get notes(): readonly string[] {
    return this.#built?.notes ?? [];
  }

  /** Wire APIs whose route this proxy does not serve; their models use the route's fallback. */
  get unservedRoutes(): readonly WireApi[] {
    return [...this.#unserved];
  }

  /**
   * The models of a catalog built for pi, without adopting them: the ones a cache kept when they
   * were built with what builds them now, else built afresh.
   */
  build(catalog: Catalog, kept?: BuiltModels): BuiltModels {
    const unserved = new Set([...this.#unserved, ...catalog.unservedRoutes ?? []]);
    if (kept && kept.fingerprint === buildFingerprint(this.config, this.api, unserved)) return kept;
    return buildModels(catalog.models, this.config, this.api, unserved);
  }

  /**
   * Makes a catalog this provider's, with the models a cache kept for it if they still apply; or
   * why it has none (and then nothing changes).
   */
  adopt(catalog: Catalog, fromCache: boolean, kept?: BuiltModels): Result<ProviderModelConfig[]> {
    const built = this.build(catalog, kept);
    if (built.models.length === 0) {
      return { ok: false, problem: `LiteLLM at ${this.config.baseUrl} lists no chat models for this key; check the key's model access` };
    }
    for (const wireApi of catalog.unservedRoutes ?? []) this.#unserved.add(wireApi);
    this.#catalog = catalog;
    this.#fromCache = fromCache;
    this.#built = built;
    this.#ids = undefined;
    this.#entries = undefined;
    this.#profiles.clear();
    return { ok: true, value: built.models };
  }

  /** The ids of the registered models. */
  get #registered(): Set<string> {
    return this.#ids ??= new Set(this.#built?.models.map((model) => model.id));
  }

  /** The registered models' catalog entries, by id. */
  get #registeredEntries(): Map<string, CatalogEntry> {
    return this.#entries ??= new Map(
      (this.#catalog?.models ?? []).filter((entry) => this.#registered.has(entry.id)).map((entry) => [entry.id, entry]),
    );
  }

  /** A discovered catalog with what this process knows about the proxy's routes. */
  withRoutes(catalog: Catalog): Catalog {
    return this.#unserved.size > 0 ? { ...catalog, unservedRoutes: [...this.#unserved] } : catalog;
  }

  /** Notes a route the proxy does not serve; `false` when it was known already (or there is no catalog). */
  markUnserved(wireApi: WireApi): boolean {
    if (this.#unserved.has(wireApi) || !this.#catalog) return false;
    this.#unserved.add(wireApi);
    return true;
  }

  /** Forgets the routes it noted, giving the catalog without them (to register again) and how many there were. */
  forgetRoutes(): { catalog: Catalog; count: number } | undefined {
    const count = this.#unserved.size;
    if (count === 0 || !this.#catalog) return undefined;
    this.#unserved.clear();
    const { unservedRoutes: _forgotten, ...catalog } = this.#catalog;
    return { catalog, count };
  }

  /** The profile the stream reads for a model: the registered one, or the family's for an id it does not list. */
  profileOf(model: { id: string }): StreamProfile {
    const entry = this.#registeredEntries.get(model.id);
    if (!entry) return profileOf({ id: model.id }, this.config, this.#unserved);
    let profile = this.#profiles.get(model.id);
    if (!profile) this.#profiles.set(model.id, profile = profileOf(entry, this.config, this.#unserved));
    return profile;
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
    const unlisted = (ref: ModelRef | undefined): ref is ModelRef => ref?.provider === name && !this.#registered.has(ref.id);
    const listed = (id: string) => catalog.models.some((model) => model.id === id);
    /** Why a model is not offered: the proxy dropped it, or the user's settings hide it. */
    const why = (id: string) => (listed(id) ? "your hideModels setting hides" : "LiteLLM no longer lists for this key");
    if (unlisted(wanted) && wanted.id !== current?.id) {
      const now = current ? printable(`${current.provider}/${current.id}`) : "no model";
      return `This session used ${name}/${printable(wanted.id)}, which ${
        why(wanted.id)
      }; continuing with ${now}. /litellm refresh re-discovers, /model picks another`;
    }
    if (unlisted(current)) {
      return listed(current.id)
        ? `${name}/${
          printable(current.id)
        } is hidden by your hideModels setting, so requests to it will fail; remove it from hideModels to use it`
        : `LiteLLM at ${this.config.baseUrl} does not list "${
          printable(current.id)
        }" for this key, so requests to it will fail; pi --list-models ${name} shows what it serves`;
    }
    return undefined;
  }
}
