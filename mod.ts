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
import { DEFAULT_PROVIDER_NAME, type LiteLLMConfig, resolveConfigs, type StoredLogin } from "./lib/config/config.ts";
import { loadSettings } from "./lib/config/settings.ts";
import { foreignKeys, loginOf, mainProviderLogin } from "./lib/login.ts";
import { builtinProviders, type ExtensionAPI, type ProviderLogin, registerLogin, type SessionContext, stateDir, storedCredential, warn as warnOnStderr } from "./lib/pi.ts";
import { LiteLLMProvider } from "./lib/provider.ts";
import { redact } from "./lib/secrets.ts";

/** Where `/login` is offered from before a login gives the provider a proxy of its own: LiteLLM's default port. */
const LOGIN_BASE_URL = "http://localhost:4000/v1";

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
      const taken = builtinProviders();
      const mainName = loaded.settings.providerName ?? DEFAULT_PROVIDER_NAME;
      const stored = storedCredential(mainName, env);
      /** The login pi's store holds: as read at load, or read afresh (a `/logout` may have removed it). */
      const storedLogin = (read = storedCredential(mainName, env)) => (read.ok ? loginOf(read.value) : undefined);
      /**
       * Whether pi's store still holds the login a configuration's key came from: `false` once it has
       * held it and no longer does (a `/logout`); a login pi is about to store counts as held.
       */
      const holds = (config: LiteLLMConfig) => {
        let seen = false;
        return () => {
          const held = storedLogin()?.apiKey === config.apiKey;
          seen ||= held;
          return held || !seen;
        };
      };
      const configure = (login: StoredLogin | undefined) => resolveConfigs(env, loaded.settings, "settings.json", taken, login);
      const atLoad = storedLogin(stored);
      const { configs, problems, off } = configure(atLoad);
      secrets = configs.flatMap((config) => config.secrets);
      for (const problem of [...loaded.problems, ...(stored.ok ? [] : [stored.problem]), ...problems]) warn(problem);

      const providerOptions = { stateDir: stateDir(env), ...(options.fetch ? { fetch: options.fetch } : {}) };
      const providers: LiteLLMProvider[] = [];
      const mainProvider = () => providers.find((provider) => provider.config.providerName === mainName);
      let session: SessionContext | undefined;
      // pi's own provider names are refused for ours, so they get no login either.
      const login: ProviderLogin | undefined = taken.includes(mainName) ? undefined : mainProviderLogin({
        providerName: mainName,
        configure(candidate) {
          const { configs, off } = configure(candidate);
          const main = configs.find((config) => config.providerName === mainName);
          return main ? { ok: true, value: main } : { ok: false, problem: off ?? `${mainName} has no proxy of its own` };
        },
        stored: () => storedLogin(),
        create: (config, loggedIn): LiteLLMProvider =>
          new LiteLLMProvider(pi, config, { ...providerOptions, ...(login ? { login } : {}), foreignKeys: foreignKeys(config, loggedIn, mainProvider()?.config), loggedIn: holds(config) }),
        install(provider) {
          const replaced = mainProvider();
          replaced?.retire();
          providers.splice(replaced ? providers.indexOf(replaced) : 0, replaced ? 1 : 0, provider);
          try {
            if (session) provider.sessionStarted(session, warn);
          } catch {
            // A session pi has retired (after /reload) has no notices to give; the next start sets them.
          }
        },
      });
      // Offered at once, so a proxy that is down or not configured yet can still be logged in to.
      if (login) registerLogin(pi, mainName, login, LOGIN_BASE_URL);
      for (const config of configs) {
        const main = config.providerName === mainName;
        const mainOptions = main ? { foreignKeys: foreignKeys(config, atLoad), loggedIn: holds(config), ...(login ? { login } : {}) } : {};
        providers.push(new LiteLLMProvider(pi, config, { ...providerOptions, ...mainOptions }));
      }
      pi.on("session_start", (_event, ctx) => {
        session = ctx;
        for (const provider of providers) provider.sessionStarted(ctx, warn);
      });
      registerLiteLLMCommand(pi, providers, off);
      if (configs.length === 0) return;
      // No request: pi connects registered MCP servers when the session starts.
      for (const provider of providers) {
        const refused = provider.registerMcp();
        if (refused) warn(refused);
      }
      // Every provider discovers at once, so several proxies cost one discovery timeout, not several.
      const started = [...providers];
      const outcomes = await Promise.all(started.map((provider) => provider.start()));
      outcomes.forEach((lines, index) => {
        for (const problem of lines) warn(started.length > 1 ? `${started[index]!.config.providerName}: ${problem}` : problem);
      });
    } catch (error) {
      warn(redact(`LiteLLM provider failed to start: ${error instanceof Error ? error.message : String(error)}`, secrets));
    }
  };
}

/** The extension as pi loads it: configured from the environment and pi's settings. */
export default litellmExtension();
