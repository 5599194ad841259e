/**
 * pi extension: a `litellm` provider whose models are discovered from a LiteLLM proxy, whose
 * requests are streamed by pi-ai's own implementations, and whose payloads lose the fields each
 * backend rejects.
 *
 * ```sh
 * LITELLM_BASE_URL=http://localhost:4000 LITELLM_API_KEY=sk-... pi -e ./mod.ts --list-models litellm
 * ```
 *
 * @module
 */

import process from "node:process";
import { type LiteLLMConfig, resolveConfig } from "./lib/config.ts";
import { discover } from "./lib/discovery.ts";
import { buildModels, profileOf } from "./lib/models.ts";
import { type ExtensionAPI, providerApiKey, warn as warnOnStderr } from "./lib/pi.ts";
import { redact } from "./lib/proxy-http.ts";
import { createStream } from "./lib/stream.ts";
import type { Catalog } from "./lib/types.ts";

function register(pi: ExtensionAPI, config: LiteLLMConfig, catalog: Catalog, warn: (line: string) => void): void {
  // An api id of our own: pi routes these models to our stream function and no other provider's.
  const api = `litellm:${config.providerName}`;
  const { models, profiles } = buildModels(catalog.models, config, api);
  if (models.length === 0) {
    warn(`LiteLLM at ${config.baseUrl} lists no chat models for this key; check the key's model access`);
    return;
  }
  pi.registerProvider(config.providerName, {
    name: "LiteLLM",
    baseUrl: `${config.baseUrl}/v1`,
    apiKey: providerApiKey(config.apiKey),
    api,
    models,
    streamSimple: createStream({ profileOf: (model) => profiles.get(model.id) ?? profileOf({ id: model.id }, config) }),
  });
}

/** What the extension reads from its surroundings; tests replace them. */
export interface ExtensionOptions {
  env?: Readonly<Record<string, string | undefined>>;
  fetch?: typeof fetch;
  /** Where one-line problems go; stderr by default. */
  warn?: (line: string) => void;
}

/**
 * Creates the extension factory. Never throws: pi keeps its other providers whatever happens here.
 */
export function litellmExtension(options: ExtensionOptions = {}): (pi: ExtensionAPI) => Promise<void> {
  const warn = options.warn ?? warnOnStderr;
  return async function litellm(pi) {
    const { config, problems } = resolveConfig(options.env ?? process.env);
    try {
      for (const problem of problems) warn(problem);
      if (!config) return;
      const discovery = await discover(config, options.fetch);
      if (!discovery.ok) return warn(discovery.failure.message);
      register(pi, config, discovery.catalog, warn);
    } catch (error) {
      warn(redact(`LiteLLM provider failed to start: ${error instanceof Error ? error.message : String(error)}`, [config?.apiKey]));
    }
  };
}

/** The extension as pi loads it: configured from the environment. */
export default litellmExtension();
