/**
 * Project trust, honoured. A project's `.pi/settings.json` could point the user's key at any host and
 * name any environment variable in a header, so its `litellm` section applies only once pi trusts the
 * project (pi 0.87 and later: pi-coding-agent `docs/security.md`, "Understand project trust").
 *
 * pi loads extensions before it decides. What is decided by then (the command line, a saved
 * decision, the user's `defaultProjectTrust`) is read through pi's own API, in pi's order. What pi
 * decides later (a `project_trust` handler, the TUI's prompt) reaches the extension when the session
 * starts, as `ctx.isProjectTrusted()`, and decides from then on.
 *
 * @module
 */

import type { PiProjectTrust } from "../pi.ts";
import { PROJECT_SETTINGS_LABEL, USER_SETTINGS_LABEL } from "./settings.ts";

/**
 * What is known of a project's trust when the extension loads. `ungated` on a pi without project
 * trust (0.73, which loads a project's settings and extensions by itself). `trusted` / `untrusted`
 * when pi's command line decides: nothing comes before it. `expected` when pi's saved decision or
 * the user's `defaultProjectTrust` says trusted: pi asks `project_trust` handlers before either, so
 * it is confirmed when the session starts, and until then nothing is sent to the project's hosts.
 * `pending` while pi has yet to decide (a handler, the TUI's prompt, a saved or default "no").
 */
export type ProjectTrust =
  | { state: "ungated" }
  | { state: "trusted" | "untrusted" | "expected"; by: string }
  | { state: "pending" };

/** What the decisions at load are read from. */
interface TrustInputs {
  pi: PiProjectTrust;
  cwd: string;
  /** The user's `defaultProjectTrust` setting, as found. */
  defaultProjectTrust: unknown;
}

/**
 * pi's order of deciding (pi-coding-agent `core/project-trust.ts`), the steps known at load, each
 * giving `true`, `false`, `undefined` for the next step, or `null` when it cannot be read, which
 * leaves the project pending: never trusted on a guess. Only the command line is final.
 */
const DECIDED_AT_LOAD: readonly { by: string; final: boolean; decision(inputs: TrustInputs): boolean | undefined | null }[] = [
  { by: "--approve / --no-approve", final: true, decision: ({ pi }) => pi.commandLine() },
  // pi asks `project_trust` handlers here, after extensions load: the steps below are checked again at session start.
  { by: "the decision saved with /trust", final: false, decision: ({ pi, cwd }) => pi.saved(cwd) },
  {
    by: `defaultProjectTrust in ${USER_SETTINGS_LABEL}`,
    final: false,
    decision: ({ defaultProjectTrust }) => defaultProjectTrust === "always" ? true : defaultProjectTrust === "never" ? false : undefined,
  },
];

/** The project's trust as pi has decided it by the time extensions load. */
export function trustAtLoad(pi: PiProjectTrust | undefined, cwd: string, defaultProjectTrust: unknown): ProjectTrust {
  if (!pi) return { state: "ungated" };
  for (const step of DECIDED_AT_LOAD) {
    const decision = step.decision({ pi, cwd, defaultProjectTrust });
    if (decision === null) return { state: "pending" };
    if (decision === undefined) continue;
    if (step.final) return { state: decision ? "trusted" : "untrusted", by: step.by };
    return decision ? { state: "expected", by: step.by } : { state: "pending" };
  }
  return { state: "pending" };
}

/** Whether a project's settings apply from the load on, with requests: pi's decision is final. */
export function projectApplies(trust: ProjectTrust): boolean {
  return trust.state === "ungated" || trust.state === "trusted";
}

/** What a session's context tells of trust: pi's decision for its directory, `undefined` on a pi without trust. */
export function trustAtSession(ctx: { isProjectTrusted?: () => boolean }): boolean | undefined {
  if (typeof ctx.isProjectTrusted !== "function") return undefined;
  try {
    return ctx.isProjectTrusted() === true;
  } catch {
    // A context pi has retired answers nothing: nothing of the project applies on a guess.
    return false;
  }
}

/** The line for a project whose `litellm` section is skipped, saying how to trust it. */
export const SKIPPED_LINE =
  `${PROJECT_SETTINGS_LABEL} has a litellm section, which is not used: pi does not trust this project. If you trust it, run /trust and restart pi, or start pi with --approve`;

/** Projects whose skipped section was said in this process, on `globalThis`: pi's `/reload` loads a fresh copy of this module. */
const SAID: Set<string> =
  ((globalThis as { [key: symbol]: Set<string> | undefined })[Symbol.for("pi-litellm-provider.skipped-projects")] ??= new Set());

/** Says {@link SKIPPED_LINE} once per process and project: a `/reload` or `/new` does not repeat it. */
export function sayProjectSkipped(cwd: string, say: (line: string) => void): void {
  if (SAID.has(cwd)) return;
  SAID.add(cwd);
  say(SKIPPED_LINE);
}
