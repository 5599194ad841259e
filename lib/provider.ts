/**
 * One LiteLLM provider registered with pi: its catalog, its learned rules, the stream function that
 * applies both, and the notice a user sees when a rule is learned.
 *
 * @module
 */

import { join } from "node:path";
import type { LiteLLMConfig } from "./config.ts";
import { LearnedRules } from "./learned-rules.ts";
import { buildModels, type ModelProfile, profileOf } from "./models.ts";
import { agentDir, type ExtensionAPI, providerApiKey } from "./pi.ts";
import { redact } from "./proxy-http.ts";
import { createStream } from "./stream.ts";
import type { Catalog } from "./types.ts";

/** Where learned rules live, beside pi's own files. */
export function learnedRulesFile(env: Readonly<Record<string, string | undefined>>): string {
  return join(agentDir(env), "litellm", "learned-rules.json");
}

/** A one-line notice for the TUI; print mode has none. */
export type Notify = (message: string) => void;

/** The registered provider and what `/litellm` reports about it. */
export class LiteLLMProvider {
  readonly rules: LearnedRules;
  /** The api id pi routes this provider's models by: our own, so no other provider's requests reach us. */
  readonly api: string;
  #profiles: ReadonlyMap<string, ModelProfile> = new Map();
  #catalog: Catalog | undefined;
  #notify: Notify | undefined;

  constructor(readonly pi: ExtensionAPI, readonly config: LiteLLMConfig, rulesFile: string | undefined) {
    this.api = `litellm:${config.providerName}`;
    this.rules = new LearnedRules(rulesFile, config.baseUrl);
  }

  /** The catalog currently registered, if any. */
  get catalog(): Catalog | undefined {
    return this.#catalog;
  }

  /** Where notices go from now on (set at session start, when pi says whether it has a UI). */
  set notify(notify: Notify | undefined) {
    this.#notify = notify;
  }

  /**
   * Registers (or re-registers) the catalog's models. Returns a problem line instead when there is
   * nothing to register.
   */
  register(catalog: Catalog): string | undefined {
    const { models, profiles } = buildModels(catalog.models, this.config, this.api);
    if (models.length === 0) return `LiteLLM at ${this.config.baseUrl} lists no chat models for this key; check the key's model access`;
    this.#catalog = catalog;
    this.#profiles = profiles;
    this.pi.registerProvider(this.config.providerName, {
      name: "LiteLLM",
      baseUrl: `${this.config.baseUrl}/v1`,
      apiKey: providerApiKey(this.config.apiKey),
      api: this.api,
      models,
      streamSimple: createStream({
        profileOf: (model) => this.#profiles.get(model.id) ?? profileOf({ id: model.id }, this.config),
        extraDrops: (profile) => this.rules.fieldsFor(profile.id, profile.wireApi),
        learned: (profile, field, error) => this.#learned(profile, field, error),
      }),
    });
    return undefined;
  }

  #learned(profile: ModelProfile, field: string, error: string): void {
    const reason = redact(error.split("\n")[0] ?? "", [this.config.apiKey]).slice(0, 240);
    if (this.rules.learn({ model: profile.id, wireApi: profile.wireApi, field, reason })) {
      this.#notify?.(`LiteLLM: ${profile.id} rejected "${field}"; it is no longer sent to that model (/litellm forget undoes this)`);
    }
  }
}
