/**
 * What one provider knows of its proxy's models: the catalog it registered (from the proxy or the
 * cache), the profile the stream reads for each model, the routes the proxy does not serve, and why
 * the last discovery gave nothing. Also the line for a session that wants a model it does not have.
 * It asks nothing of the proxy; the provider and its refresh do.
 *
 * @module
 */

import type { LiteLLMConfig } from "../config/config.ts";
import { buildModels, type ModelProfile, profileOf } from "../catalog/models.ts";
import type { ModelRef, ProviderModelConfig } from "../pi.ts";
import { printable } from "../secrets.ts";
import type { StreamProfile } from "../requests/stream.ts";
import type { Catalog, Result, WireApi } from "../types.ts";

/** The catalog a provider registered, and what it knows about the proxy's routes. */
export class ProviderCatalog {
  #catalog: Catalog | undefined;
  #fromCache = false;
  #profiles: ReadonlyMap<string, ModelProfile> = new Map();
  /** Routes this proxy answered 404 for, remembered with the catalog so the next start skips them. */
  readonly #unserved = new Set<WireApi>();
  /** Settings that cannot take effect on the registered models, said once at start. */
  #notes: string[] = [];
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

  /** Settings that cannot take effect on the registered models. */
  get notes(): readonly string[] {
    return this.#notes;
  }

  /** Wire APIs whose route this proxy does not serve; their models use the route's fallback. */
  get unservedRoutes(): readonly WireApi[] {
    return [...this.#unserved];
  }

  /**
   * Makes a catalog this provider's: its models built for pi, its profiles the stream's; or why it
   * has none (and then nothing changes).
   */
  adopt(catalog: Catalog, fromCache: boolean): Result<ProviderModelConfig[]> {
    for (const wireApi of catalog.unservedRoutes ?? []) this.#unserved.add(wireApi);
    const { models, profiles, notes } = buildModels(catalog.models, this.config, this.api, this.#unserved);
    this.#notes = notes;
    if (models.length === 0) {
      return { ok: false, problem: `LiteLLM at ${this.config.baseUrl} lists no chat models for this key; check the key's model access` };
    }
    this.#catalog = catalog;
    this.#fromCache = fromCache;
    this.#profiles = profiles;
    return { ok: true, value: models };
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
    return this.#profiles.get(model.id) ?? profileOf({ id: model.id }, this.config, this.#unserved);
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
