/**
 * What configures the extension, gathered once at load and in one pass down the layers: what pi
 * knows (its agent directory, its trust decisions, its command line, its own providers), then the
 * settings files, then the trust the project's file gets.
 *
 * @module
 */

import process from "node:process";
import {
  agentDir,
  builtinProviders,
  commandLineModel,
  type PiProjectTrust,
  piProjectTrust,
  stateDir,
  warn as warnOnStderr,
} from "../pi.ts";
import { readProjectSettings, readUserSettings, type SettingsFile } from "./settings.ts";
import { type ProjectTrust, trustAtLoad } from "./trust.ts";

/** What the extension reads from its surroundings; tests replace them. */
export interface ExtensionOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** The project directory whose `.pi/settings.json` applies once trusted; pi's working directory by default. */
  cwd?: string;
  fetch?: typeof fetch;
  /** Where one-line problems go; stderr by default. */
  warn?: (line: string) => void;
  /** pi's project trust as this pi has it; `null` for a pi without it. Read from pi by default. */
  projectTrust?: PiProjectTrust | null;
  /** pi's command line; this process's by default. */
  argv?: readonly string[];
}

/** What configures the extension, as gathered at load. */
export interface Inputs {
  env: Readonly<Record<string, string | undefined>>;
  /** pi's agent directory, where its settings and credential store are. */
  agentDir: string;
  /** Where the extension keeps its own files (learned rules, catalog cache). */
  stateDir: string;
  user: SettingsFile;
  /** The project as known at load: its directory, its settings, and pi's trust in it. */
  project: { cwd: string; file: SettingsFile; trust: ProjectTrust };
  /** pi's own provider names, which ours may not take. */
  taken: readonly string[];
  /** The model pi's command line names, if any: a cold start that runs out of time goes ahead with it. */
  named?: { provider?: string; id: string };
  warn: (line: string) => void;
  fetch?: typeof fetch;
}

/** Gathers the inputs; reads files, sends nothing. */
export function gatherInputs(options: ExtensionOptions): Inputs {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const agent = agentDir(env);
  const pi = options.projectTrust === undefined ? piProjectTrust(agent) : options.projectTrust ?? undefined;
  const named = options.argv ? commandLineModel(options.argv) : commandLineModel();
  const taken = builtinProviders();
  const user = readUserSettings(agent);
  const file = readProjectSettings(cwd);
  // Only a project with a section has something to trust.
  const trust: ProjectTrust = file.found ? trustAtLoad(pi, cwd, user.defaultProjectTrust) : { state: "pending" };
  return {
    env,
    agentDir: agent,
    stateDir: stateDir(agent),
    user,
    project: { cwd, file, trust },
    taken,
    ...(named ? { named } : {}),
    warn: options.warn ?? warnOnStderr,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
}
