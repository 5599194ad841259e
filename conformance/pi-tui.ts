/**
 * pi's interactive TUI, driven as a user drives it, in a pseudo-terminal: started with the
 * extension, `/login` walked through, a prompt typed, left with ctrl+d. The keys and texts are the
 * ones every pi version shares (0.73.1, 0.87.1, 1.6.0).
 *
 * @module
 */

import assert from "node:assert/strict";
import { MOD_TS, PI_CLI, PI_NODE } from "./pi-cli.ts";
import { cleanEnvironment, KEYS, Terminal } from "./terminal.ts";

/** pi's TUI with the extension, an agent directory of its own, and nothing configured beyond `env`. */
export function tui(agentDir: string, project: string, args: readonly string[] = [], env: Record<string, string> = {}): Terminal {
  return new Terminal(
    [PI_NODE, PI_CLI, "-e", MOD_TS, ...args],
    cleanEnvironment({ PI_CODING_AGENT_DIR: agentDir, PI_OFFLINE: "1", ...env }),
    project,
  );
}

/** Picks LiteLLM in the provider list `/login` and `/logout` open: every pi version titles it so, with a search. */
export async function pickLiteLLM(terminal: Terminal, mode: "login" | "logout"): Promise<void> {
  await terminal.waitFor(mode === "login" ? "Select provider to configure:" : "Select provider to logout:");
  await terminal.waitFor("LiteLLM");
  terminal.type("LiteLLM");
  terminal.type(KEYS.enter);
}

/**
 * `/login`, as on every pi: the method ("an account" or "a subscription", listed first), LiteLLM,
 * then the URL and each key in turn, every key but the last refused with `refusal`; resolves once
 * pi says the login is saved.
 */
export async function logIn(
  terminal: Terminal,
  url: string,
  keys: readonly string[],
  refusal = `LiteLLM at ${url} rejected this key (401)`,
): Promise<void> {
  await terminal.waitFor("commands");
  terminal.type("/login");
  await terminal.waitFor("/login");
  terminal.type(KEYS.enter);
  await terminal.waitFor("Select authentication method");
  terminal.type(KEYS.enter);
  await pickLiteLLM(terminal, "login");
  await terminal.waitFor("LiteLLM proxy URL");
  terminal.type(url);
  terminal.type(KEYS.enter);
  for (const [index, key] of keys.entries()) {
    await terminal.waitFor("LiteLLM API key for");
    terminal.type(key);
    terminal.type(KEYS.enter);
    if (index < keys.length - 1) await terminal.waitFor(`${refusal}; enter the key again`);
  }
  await terminal.waitFor("Logged in to LiteLLM");
}

/** pi's trust prompt (pi 0.87 and later), in the order it lists its answers. */
const TRUST_ANSWERS = [
  "Trust",
  "Trust parent folder",
  "Trust (this session only)",
  "Do not trust",
  "Do not trust (this session only)",
] as const;

/** Answers pi's trust prompt for the project the TUI starts in. */
export async function answerTrustPrompt(terminal: Terminal, answer: typeof TRUST_ANSWERS[number]): Promise<void> {
  await terminal.waitFor("Trust project folder?");
  await terminal.waitFor(TRUST_ANSWERS.at(-1)!);
  terminal.type(KEYS.down.repeat(TRUST_ANSWERS.indexOf(answer)));
  terminal.type(KEYS.enter);
}

/**
 * Leaves the TUI as a user does (ctrl+d on an empty editor) and returns pi's exit code; fails when
 * pi is still running 30 s later (its shutdown waits on whatever it still has open).
 */
export async function quit(terminal: Terminal): Promise<number> {
  terminal.type(KEYS.ctrlD);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("pi did not exit within 30 s of ctrl+d on an empty editor")), 30_000);
  });
  return await Promise.race([terminal.exited, stuck]).finally(() => clearTimeout(timer));
}

/** Types a prompt into pi's editor once pi is ready, and sends it. */
export async function send(terminal: Terminal, prompt: string): Promise<void> {
  await terminal.waitFor("commands");
  terminal.type(prompt);
  await terminal.waitFor(prompt);
  terminal.type(KEYS.enter);
}

/**
 * pi's settings for a short conversation that overflows: pi compacts only what lies beyond its
 * last `keepRecentTokens` (20,000 by default), which a real overflow always has and a test's two
 * turns do not.
 */
export const COMPACT_SHORT_CONVERSATIONS = { compaction: { keepRecentTokens: 1 } } as const;

/** Drives pi's TUI, then leaves it as a user does (pi must exit 0); the terminal is closed whatever happens. */
export async function inTui(terminal: Terminal, drive: () => Promise<void>): Promise<void> {
  try {
    await drive();
    assert.equal(await quit(terminal), 0);
  } finally {
    await terminal.close();
  }
}

/** Sends a prompt whose turn overflows, and waits for pi to show the overflow and then `answer`. */
export async function overflowThenAnswer(terminal: Terminal, prompt: string, answer: string): Promise<void> {
  await send(terminal, prompt);
  await terminal.waitFor("context_length_exceeded");
  await terminal.waitFor(answer, 60_000);
}

/**
 * The requests of an overflow pi recovered from, as `[status, carries pi's summary]`: the overflow,
 * then pi's summary (0.87 and later ask twice, for the history and the split turn), then the turn
 * again over it.
 */
export function assertCompactedAndRetried(seen: readonly (readonly [number, boolean])[]): void {
  assert.deepEqual(seen[0], [400, false], JSON.stringify(seen));
  assert.ok(seen.length >= 3 && seen.slice(1).every(([status, summary]) => status === 200 && summary), JSON.stringify(seen));
}
