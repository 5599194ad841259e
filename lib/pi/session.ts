/**
 * pi's session as the extension reads it at its start: its context, the model and cost its file
 * records, and the stderr print mode's lines go to.
 *
 * @module
 */

import process from "node:process";

/** A model as pi's session and context name it. */
export interface ModelRef {
  provider: string;
  id: string;
}

/** What the extension reads from pi's context at session start. */
export interface SessionContext {
  hasUI: boolean;
  /** The session's directory (pi 0.87 and later): `/resume` can enter another project. */
  cwd?: string;
  /** Whether pi trusts the session's project (pi 0.87 and later). */
  isProjectTrusted?: () => boolean;
  ui: { notify(message: string, type?: "info" | "warning" | "error"): void; setStatus?(key: string, text: string | undefined): void };
  model?: { provider: string; id: string } | undefined;
  sessionManager?: { getBranch?(): readonly unknown[] };
}

/** The model a resumed session last used (its latest `model_change` entry), if any. */
export function sessionModel(ctx: SessionContext): ModelRef | undefined {
  const entries = (ctx.sessionManager?.getBranch?.() ?? []) as readonly { type?: string; provider?: unknown; modelId?: unknown }[];
  for (let index = entries.length - 1; index >= 0; index--) {
    const entry = entries[index]!;
    if (entry.type !== "model_change") continue;
    return typeof entry.provider === "string" && typeof entry.modelId === "string"
      ? { provider: entry.provider, id: entry.modelId }
      : undefined;
  }
  return undefined;
}

/** What a session's file says its turns through `provider` cost so far: a resumed session's earlier turns. */
export function sessionCost(ctx: SessionContext, provider: string): number {
  let total = 0;
  for (
    const entry of (ctx.sessionManager?.getBranch?.() ?? []) as readonly {
      type?: string;
      message?: { role?: string; provider?: string; usage?: { cost?: { total?: unknown } } };
    }[]
  ) {
    const message = entry.type === "message" ? entry.message : undefined;
    const cost = message?.role === "assistant" && message.provider === provider ? message.usage?.cost?.total : undefined;
    if (typeof cost === "number" && Number.isFinite(cost)) total += cost;
  }
  return total;
}

/** Writes one line to stderr: startup problems must not reach stdout, which `-p` and `--list-models` own. */
export function warn(line: string): void {
  process.stderr.write(`pi-litellm-provider: ${line}\n`);
}
