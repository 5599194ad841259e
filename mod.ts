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
import { registerLiteLLMCommand } from "./lib/command.ts";
import { resolveConfigs } from "./lib/config/config.ts";
import { builtinProviders, type ExtensionAPI, stateDir, warn as warnOnStderr } from "./lib/pi.ts";
import { LiteLLMProvider } from "./lib/provider.ts";
import { redact } from "./lib/secrets.ts";
import { loadSettings } from "./lib/config/settings.ts";

/** What the extension reads from its surroundings; tests replace them. */
export interface ExtensionOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** The project directory whose `.pi/settings.json` applies; pi's working directory by default. */
  cwd?: string;
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
    const env = options.env ?? process.env;
    let secrets: (string | undefined)[] = [];
    try {
      const loaded = loadSettings(env, options.cwd ?? process.cwd());
      const { configs, problems, off } = resolveConfigs(env, loaded.settings, "settings.json", builtinProviders());
      secrets = configs.flatMap((config) => config.secrets);
      for (const problem of [...loaded.problems, ...problems]) warn(problem);
      if (configs.length === 0) return registerLiteLLMCommand(pi, [], off);

      const providers = configs.map((config) => new LiteLLMProvider(pi, config, { stateDir: stateDir(env), ...(options.fetch ? { fetch: options.fetch } : {}) }));
      pi.on("session_start", (_event, ctx) => {
        for (const provider of providers) provider.sessionStarted(ctx, warn);
      });
      registerLiteLLMCommand(pi, providers);
      // No request: pi connects registered MCP servers when the session starts.
      for (const provider of providers) {
        const refused = provider.registerMcp();
        if (refused) warn(refused);
      }
      // Every provider discovers at once, so several proxies cost one discovery timeout, not several.
      const outcomes = await Promise.all(providers.map((provider) => provider.start()));
      outcomes.forEach((lines, index) => {
        for (const problem of lines) warn(providers.length > 1 ? `${configs[index]!.providerName}: ${problem}` : problem);
      });
    } catch (error) {
      warn(redact(`LiteLLM provider failed to start: ${error instanceof Error ? error.message : String(error)}`, secrets));
    }
  };
}

/** The extension as pi loads it: configured from the environment and pi's settings. */
export default litellmExtension();
