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
import { resolveConfig } from "./lib/config.ts";
import { type ExtensionAPI, sessionModel, warn as warnOnStderr } from "./lib/pi.ts";
import { LiteLLMProvider, stateDir } from "./lib/provider.ts";
import { redact } from "./lib/proxy-http.ts";

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
    const env = options.env ?? process.env;
    const { config, problems } = resolveConfig(env);
    try {
      for (const problem of problems) warn(problem);
      if (!config) return registerLiteLLMCommand(pi, [], problems[0]);
      const provider = new LiteLLMProvider(pi, config, { stateDir: stateDir(env), ...(options.fetch ? { fetch: options.fetch } : {}) });
      pi.on("session_start", (_event, ctx) => {
        provider.notify = ctx.hasUI ? (message) => ctx.ui.notify(message, "info") : undefined;
        try {
          const notice = provider.unlistedModelNotice(sessionModel(ctx), ctx.model);
          if (notice) ctx.hasUI ? ctx.ui.notify(notice, "warning") : warn(notice);
        } catch {
          // A session pi could not describe is no reason to disturb its start.
        }
      });
      registerLiteLLMCommand(pi, [provider]);
      const problem = await provider.start();
      if (problem) warn(problem);
    } catch (error) {
      warn(redact(`LiteLLM provider failed to start: ${error instanceof Error ? error.message : String(error)}`, [config?.apiKey]));
    }
  };
}

/** The extension as pi loads it: configured from the environment. */
export default litellmExtension();
