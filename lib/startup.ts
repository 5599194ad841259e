/**
 * The extension's startup, and what changes it during a session. What configures it is gathered
 * once (`config/inputs.ts`), every provider's configuration is resolved in one place
 * (`config/config.ts`, with pi's stored login), then the providers are built. When a session starts, pi's trust decision, made after the extension loaded, may change
 * which settings apply: the providers whose configuration changes are built again.
 *
 * @module
 */

import { realpathSync } from "node:fs";
import { registerLiteLLMCommand } from "./command.ts";
import { type ConfigResult, DEFAULT_PROVIDER_NAME, type LiteLLMConfig, resolveConfigs, type StoredLogin } from "./config/config.ts";
import { type ExtensionOptions, gatherInputs, type Inputs } from "./config/inputs.ts";
import { layerSettings, type LiteLLMSettings, readProjectSettings, type SettingsFile } from "./config/settings.ts";
import { projectApplies, sayProjectSkipped, trustAtSession } from "./config/trust.ts";
import { foreignKeys, loginOf, mainProviderLogin } from "./login.ts";
import {
  type ExtensionAPI,
  type ProviderLogin,
  registerLogin,
  type SessionContext,
  storedCredential,
  unregisterMcpServer,
  warn as warnOnStderr,
} from "./pi.ts";
import { LiteLLMProvider, type ProviderOptions } from "./provider/provider.ts";
import { loadStream } from "./requests/stream-loader.ts";
import { redact } from "./secrets.ts";

export type { ExtensionOptions };

/** Where `/login` is offered from before a login gives the provider a proxy of its own: LiteLLM's default port. */
const LOGIN_BASE_URL = "http://localhost:4000/v1";

/**
 * Loads the extension into pi. Never throws: pi keeps its other providers whatever happens here.
 */
export async function startExtension(pi: ExtensionAPI, options: ExtensionOptions = {}): Promise<void> {
  let extension: Extension | undefined;
  try {
    extension = new Extension(pi, gatherInputs(options));
    await extension.start();
  } catch (error) {
    (options.warn ?? warnOnStderr)(
      redact(`LiteLLM provider failed to start: ${error instanceof Error ? error.message : String(error)}`, extension?.secrets ?? []),
    );
  }
}

/** The project whose settings the providers are built from now: its directory, its settings, whether they apply. */
interface AppliedProject {
  cwd: string;
  file: SettingsFile;
  applies: boolean;
  /** pi's trust in it is expected but not yet confirmed: its providers send nothing meanwhile. */
  awaitsTrust: boolean;
}

/** A directory as the file system names it, so a path through a symlink is the same project. */
function canonical(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

/** The extension in pi: its providers, the settings they come from, its `/login`. */
class Extension {
  /** The providers in use, in the order of their configuration; `/litellm` reads this very list. */
  readonly providers: LiteLLMProvider[] = [];
  #project: AppliedProject;
  #off: string | undefined;
  #session: SessionContext | undefined;
  /** Lines already said, so a rebuild does not repeat what the start said. */
  #said = new Set<string>();
  /** Values no line may show, of every configuration used in this process. */
  #secrets = new Set<string>();
  #login: ProviderLogin | undefined;
  #loginName: string | undefined;

  readonly warn: (line: string) => void;

  constructor(readonly pi: ExtensionAPI, readonly inputs: Inputs) {
    this.warn = inputs.warn;
    const { cwd, file, trust } = inputs.project;
    const expected = file.found && trust.state === "expected";
    this.#project = { cwd, file, applies: expected || (file.found && projectApplies(trust)), awaitsTrust: expected };
  }

  /** Every value no line may show, across the configurations used so far. */
  get secrets(): string[] {
    return [...this.#secrets];
  }

  /** The settings that apply now: the user's, with the project's over them once trusted. */
  get #settings(): LiteLLMSettings {
    return this.#project.applies ? layerSettings(this.inputs.user.settings, this.#project.file.settings) : this.inputs.user.settings;
  }

  get #mainName(): string {
    return this.#settings.providerName ?? DEFAULT_PROVIDER_NAME;
  }

  /** The login pi's store holds for the main provider, read afresh (a `/logout` may have removed it). */
  #storedLogin(): StoredLogin | undefined {
    const read = storedCredential(this.#mainName, this.inputs.agentDir);
    return read.ok ? loginOf(read.value) : undefined;
  }

  #configure(login: StoredLogin | undefined): ConfigResult {
    const result = resolveConfigs(this.inputs.env, this.#settings, "settings.json", this.inputs.taken, login);
    for (const config of result.configs) for (const secret of config.secrets) this.#secrets.add(secret);
    return result;
  }

  /** Says a line once: a rebuild reports only what is new. */
  #say(line: string, say: (line: string) => void = this.warn): void {
    if (this.#said.has(line)) return;
    this.#said.add(line);
    say(line);
  }

  /**
   * Whether pi's store still holds the login a configuration's key came from: `false` once it has
   * held it and no longer does (a `/logout`); a login pi is about to store counts as held.
   */
  #holds(config: LiteLLMConfig): () => boolean {
    let seen = false;
    return () => {
      const held = this.#storedLogin()?.apiKey === config.apiKey;
      seen ||= held;
      return held || !seen;
    };
  }

  get #mainProvider(): LiteLLMProvider | undefined {
    return this.providers.find((provider) => provider.config.providerName === this.#mainName);
  }

  /** The provider for one configuration, the main one with its login. */
  #create(config: LiteLLMConfig, stored: StoredLogin | undefined, awaitsTrust = false): LiteLLMProvider {
    const main = config.providerName === this.#mainName;
    const login = main && this.#loginName === config.providerName ? this.#login : undefined;
    const mainOptions = main ? { foreignKeys: foreignKeys(config, stored, this.#mainProvider?.config), loggedIn: this.#holds(config) } : {};
    const options: ProviderOptions = {
      stateDir: this.inputs.stateDir,
      ...(this.inputs.fetch ? { fetch: this.inputs.fetch } : {}),
      ...mainOptions,
      ...(login ? { login } : {}),
      ...(awaitsTrust ? { awaitsTrust } : {}),
      ...(this.inputs.named?.provider === config.providerName ? { namedModel: this.inputs.named.id } : {}),
    };
    return new LiteLLMProvider(this.pi, config, options);
  }

  /**
   * Offers `/login` for the main provider, unless its name is one of pi's own (those are refused for
   * ours); again when a rebuild took its registration away.
   */
  #offerLogin(): void {
    const name = this.#mainName;
    if (this.inputs.taken.includes(name)) return;
    if (this.#loginName !== name) {
      this.#loginName = name;
      this.#login = mainProviderLogin({
        providerName: name,
        configure: (candidate) => {
          const { configs, off } = this.#configure(candidate);
          const main = configs.find((config) => config.providerName === name);
          return main ? { ok: true, value: main } : { ok: false, problem: off ?? `${name} has no proxy of its own` };
        },
        stored: () => this.#storedLogin(),
        create: (config, loggedIn) => this.#create(config, loggedIn),
        install: (provider) => {
          const replaced = this.#mainProvider;
          replaced?.retire();
          this.providers.splice(replaced ? this.providers.indexOf(replaced) : 0, replaced ? 1 : 0, provider);
          try {
            if (this.#session) provider.sessionStarted(this.#session, this.warn);
          } catch {
            // A session pi has retired (after /reload) has no notices to give; the next start sets them.
          }
        },
      });
    }
    // Offered at once, so a proxy that is down or not configured yet can still be logged in to.
    if (!this.#mainProvider?.models.current) registerLogin(this.pi, name, this.#login!, LOGIN_BASE_URL);
  }

  /** At load: every provider built, registered and discovering at once. */
  async start(): Promise<void> {
    const { user, project } = this.inputs;
    for (const problem of user.problems) this.#say(problem);
    if (this.#project.applies) { for (const problem of project.file.problems) this.#say(problem); }
    if (project.file.found && project.trust.state === "untrusted") sayProjectSkipped(canonical(project.cwd), (line) => this.#say(line));
    const name = this.#mainName;
    const stored = storedCredential(name, this.inputs.agentDir);
    if (!stored.ok) this.#say(stored.problem);
    const login = stored.ok ? loginOf(stored.value) : undefined;
    this.pi.on("session_start", (_event, ctx) => this.#sessionStarted(ctx as SessionContext));
    registerLiteLLMCommand(this.pi, this.providers, () => this.#off);
    if (this.#project.awaitsTrust && !this.#expectedFromCache(login)) {
      this.#project = { ...this.#project, applies: false, awaitsTrust: false };
    }
    // pi's store is read once at load (on pi 0.73 each read takes its lock), again only if the main provider's name changed.
    await this.#build(this.warn, this.#mainName === name ? { login } : undefined);
  }

  /**
   * Whether every provider of a project whose trust is expected has its catalog cached: only then
   * is it used at load, from the cache, sending nothing; otherwise the user's settings apply until
   * the session start confirms the trust.
   */
  #expectedFromCache(login: StoredLogin | undefined): boolean {
    const { configs } = this.#configure(login);
    return configs.length > 0 && configs.every((config) => this.#create(config, undefined, true).cache.read() !== undefined);
  }

  /**
   * Builds the providers the settings now call for, keeping those whose configuration is unchanged.
   * A changed or removed one is retired and its registration taken back first: pi would keep
   * fields of it (headers, a key) that the new registration leaves out.
   */
  async #build(say: (line: string) => void = this.warn, known?: { login: StoredLogin | undefined }): Promise<void> {
    const stored = known ? known.login : this.#storedLogin();
    const { configs, problems, off } = this.#configure(stored);
    this.#off = off;
    for (const problem of problems) this.#say(problem, say);
    const key = (config: LiteLLMConfig) => JSON.stringify(config);
    const kept = new Map(this.providers.map((provider) => [key(provider.config), provider]));
    const retired = this.providers.filter((provider) => !configs.some((config) => kept.get(key(config)) === provider));
    for (const provider of retired) {
      provider.retire();
      this.pi.unregisterProvider(provider.config.providerName);
      const mcp = provider.config.mcp;
      if (mcp && !configs.some((config) => config.mcp?.name === mcp.name)) unregisterMcpServer(this.pi, mcp.name);
    }
    if (this.#loginName !== this.#mainName) this.#offerLogin();
    const next = configs.map((config) => kept.get(key(config)) ?? this.#create(config, stored, this.#project.awaitsTrust));
    const started = next.filter((provider) => !this.providers.includes(provider));
    this.providers.splice(0, this.providers.length, ...next);
    // No request: pi connects registered MCP servers when the session starts.
    for (const provider of started) {
      const refused = provider.registerMcp();
      if (refused) this.#say(refused, say);
    }
    // Every provider discovers at once, so several proxies cost one discovery timeout, not several.
    const outcomes = await Promise.all(started.map((provider) => provider.start()));
    const named = this.providers.length > 1;
    outcomes.forEach((lines, index) => {
      for (const problem of lines) this.#say(named ? `${started[index]!.config.providerName}: ${problem}` : problem, say);
    });
    this.#offerLogin();
  }

  /**
   * At each session start pi has decided on the project's trust, finally: its settings apply from
   * now on if pi trusts it, and not if it does not, whatever was known at load. A session in another
   * directory (`/resume`) brings that project's settings, on the same terms. Never throws into pi.
   */
  async #sessionStarted(ctx: SessionContext): Promise<void> {
    this.#session = ctx;
    const notice = (line: string) => ctx.hasUI ? ctx.ui.notify(line, "warning") : this.warn(line);
    try {
      await this.#applyTrust(ctx, notice);
      for (const provider of this.providers) provider.sessionStarted(ctx, this.warn);
      // Loaded now rather than at load, so the session's first request finds them; one that fails says so at that request.
      await loadStream().catch(() => {});
    } catch (error) {
      notice(redact(`LiteLLM: the session start went wrong: ${error instanceof Error ? error.message : String(error)}`, this.secrets));
    }
  }

  async #applyTrust(ctx: SessionContext, notice: (line: string) => void): Promise<void> {
    const trusted = trustAtSession(ctx);
    if (trusted === undefined) return;
    const cwd = ctx.cwd ?? this.#project.cwd;
    const same = canonical(cwd) === canonical(this.#project.cwd);
    const file = same ? this.#project.file : readProjectSettings(cwd);
    if (file.found && !trusted) sayProjectSkipped(canonical(cwd), notice);
    const applies = file.found && trusted;
    if (same && applies === this.#project.applies) {
      if (!this.#project.awaitsTrust) return;
      // Expected at load, confirmed now: the providers built from the cache may send from here on.
      this.#project = { ...this.#project, awaitsTrust: false };
      for (const provider of this.providers) {
        const refused = provider.trustConfirmed();
        if (refused) this.#say(refused, notice);
      }
      return;
    }
    this.#project = { cwd, file, applies, awaitsTrust: false };
    if (applies) { for (const problem of file.problems) this.#say(problem, notice); }
    await this.#build(notice);
  }
}
