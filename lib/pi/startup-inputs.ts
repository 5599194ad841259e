/**
 * What pi knows before the extension loads, read with pi's own code where pi exports it: its agent
 * directory, its stored logins, its project-trust decisions, its command line, its built-in providers.
 *
 * @module
 */

import * as piAi from "@mariozechner/pi-ai";
import * as piCodingAgent from "@mariozechner/pi-coding-agent";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { Result } from "../types.ts";

/** A credential pi keeps for a provider: a login's (`oauth`, with the proxy it was made for), or a bare API key. */
export type StoredCredential = { type: "oauth"; access: string; baseUrl?: string } | { type: "api_key"; key: string };

/** pi's readers of its credential store, as each pi exports them. */
interface PiCredentialExports {
  /** pi 0.87 and later: one provider's entry, `undefined` for none or a file it cannot read. */
  readStoredCredential?: (provider: string, authPath: string) => unknown;
  /** pi 0.73: the store itself, which creates an empty file where there is none, as pi does at its start. */
  AuthStorage?: { create(authPath: string): { get(provider: string): unknown; drainErrors?(): unknown[] } };
}

/** One provider's entry in pi's credential store, read with pi's own code; the file itself only where no pi offers a reader. */
function credentialEntry(provider: string, file: string): Result<unknown> {
  const { readStoredCredential, AuthStorage } = piCodingAgent as PiCredentialExports;
  const unreadable: Result<unknown> = {
    ok: false,
    problem: `${file} cannot be read (not valid JSON); ${loginCommand(provider)} is not used`,
  };
  try {
    if (typeof readStoredCredential === "function") return { ok: true, value: readStoredCredential(provider, file) };
    if (typeof AuthStorage?.create === "function") {
      const storage = AuthStorage.create(file);
      // pi's own error would quote the file, which may hold a key: only that it is broken is said.
      return (storage.drainErrors?.() ?? []).length > 0 ? unreadable : { ok: true, value: storage.get(provider) };
    }
  } catch {
    return unreadable;
  }
  try {
    return { ok: true, value: (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown> | null)?.[provider] };
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return { ok: true, value: undefined };
    return {
      ok: false,
      problem: `${file} cannot be read (${(error as { code?: string }).code ?? "not valid JSON"}); ${loginCommand(provider)} is not used`,
    };
  }
}

const loginCommand = (provider: string) => `/login ${provider}`;

/**
 * The credential pi's credential store (`<agent dir>/auth.json`) holds for a provider, read at load
 * (the extension discovers before pi hands it anything) with pi's own reader: `readStoredCredential`
 * on pi 0.87 and later, `AuthStorage` on 0.73. `undefined` when there is none or it is not one the
 * extension can use (a key pi resolves from `$VAR` or `!command` is pi's to resolve); the problem
 * when the file cannot be read, in words that never quote it.
 */
export function storedCredential(provider: string, agentDirectory: string): Result<StoredCredential | undefined> {
  const entry = credentialEntry(provider, join(agentDirectory, "auth.json"));
  if (!entry.ok) return entry;
  const { type, access, key, baseUrl } = (entry.value ?? {}) as Record<string, unknown>;
  // A login to a proxy without keys stores an empty key and its URL.
  if (type === "oauth" && typeof access === "string" && (access !== "" || typeof baseUrl === "string")) {
    return { ok: true, value: { type, access, ...(typeof baseUrl === "string" ? { baseUrl } : {}) } };
  }
  if (type === "api_key" && typeof key === "string" && key !== "" && !/^[$!]/.test(key)) return { ok: true, value: { type, key } };
  return { ok: true, value: undefined };
}

/**
 * The project-trust decisions pi has made before extensions load (pi 0.87 and later), read with pi's
 * own code: its `parseArgs` for `--approve` / `--no-approve`, its `ProjectTrustStore` for the decision
 * saved with `/trust` for the directory or a parent.
 */
export interface PiProjectTrust {
  /** `true` for `--approve`, `false` for `--no-approve`, `undefined` for neither; `null` when pi's arguments cannot be read. */
  commandLine(): boolean | undefined | null;
  /** The saved decision nearest to `cwd`, `undefined` when there is none; `null` when it cannot be read. */
  saved(cwd: string): boolean | undefined | null;
}

/**
 * The model pi's command line names, as `provider/id` or `--provider` with `--model`: read with
 * pi's own `parseArgs` where pi exports it (0.87 and later), by the same two flags otherwise.
 */
export function commandLineModel(argv: readonly string[] = process.argv.slice(2)): { provider?: string; id: string } | undefined {
  const { parseArgs } = piCodingAgent as { parseArgs?: (args: string[]) => { provider?: unknown; model?: unknown } };
  let provider: unknown;
  let model: unknown;
  try {
    if (typeof parseArgs === "function") ({ provider, model } = parseArgs([...argv]));
    else {
      const end = argv.includes("--") ? argv.indexOf("--") : argv.length;
      const value = (flag: string) => {
        const at = argv.indexOf(flag);
        return at !== -1 && at + 1 < end ? argv[at + 1] : undefined;
      };
      [provider, model] = [value("--provider"), value("--model")];
    }
  } catch {
    return undefined;
  }
  if (typeof model !== "string" || model === "") return undefined;
  if (typeof provider === "string") return { provider, id: model };
  const slash = model.indexOf("/");
  return slash > 0 ? { provider: model.slice(0, slash), id: model.slice(slash + 1) } : { id: model };
}

/** pi's project-trust API as pi 0.87 and later export it. */
interface PiTrustExports {
  ProjectTrustStore?: new (agentDir: string) => { get(cwd: string): boolean | null };
  parseArgs?: (args: string[]) => { projectTrustOverride?: boolean };
}

/**
 * pi's project trust, where this pi has it (its `ProjectTrustStore` is exported); `undefined` on a pi
 * without project trust (0.73), which loads a project's settings itself.
 */
export function piProjectTrust(agentDirectory: string, argv: readonly string[] = process.argv.slice(2)): PiProjectTrust | undefined {
  const { ProjectTrustStore: Store, parseArgs } = piCodingAgent as PiTrustExports;
  if (typeof Store !== "function") return undefined;
  return {
    commandLine() {
      if (typeof parseArgs !== "function") return null;
      try {
        const override = parseArgs([...argv]).projectTrustOverride;
        return typeof override === "boolean" ? override : undefined;
      } catch {
        return null;
      }
    },
    saved(cwd) {
      try {
        const decision = new Store(agentDirectory).get(cwd);
        return typeof decision === "boolean" ? decision : undefined;
      } catch {
        // A busy or broken trust.json hides the decision, which may be a "no".
        return null;
      }
    },
  };
}

/**
 * The providers pi has built in (`openai`, `anthropic`...), which a LiteLLM alias must not replace.
 * pi-ai's `getProviders` (on 1.x through the compat entry pi maps our import to); empty where absent.
 */
export function builtinProviders(): readonly string[] {
  const list = (piAi as { getProviders?: () => readonly string[] }).getProviders;
  try {
    return typeof list === "function" ? list() : [];
  } catch {
    return [];
  }
}

/** pi's agent directory (`PI_CODING_AGENT_DIR`, else `~/.pi/agent`), where pi keeps its own files. */
export function agentDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const configured = env.PI_CODING_AGENT_DIR?.trim();
  if (!configured) return join(homedir(), ".pi", "agent");
  return configured.startsWith("~") ? join(homedir(), configured.slice(1)) : configured;
}

/** Where the extension keeps its own files (learned rules, catalog cache): beside pi's, in `<agent dir>/litellm`. */
export function stateDir(agentDirectory: string): string {
  return join(agentDirectory, "litellm");
}
