/**
 * pi's interactive TUI in a pseudo-terminal, typed at and read as a user would: for what only the
 * TUI offers (`/login`). The terminal is util-linux `script`, present on every Debian machine.
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { killGroup, ownGroup } from "./process-groups.ts";
import { temporaryDirectory } from "./temporary.ts";

/** Escape sequences (colours, cursor moves, OSC titles), removed so the screen reads as text. */
// deno-lint-ignore no-control-regex -- a terminal's escape sequences start with ESC
const ESCAPES = /\x1b\[[0-9;?<>=]*[ -\/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>78cDEHM]|\r/g;

/** Keys as a terminal sends them. */
export const KEYS = { enter: "\r", escape: "\x1b", ctrlD: "\x04", ctrlC: "\x03", down: "\x1b[B" } as const;

const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/** A program running in a 120×40 pseudo-terminal. */
export class Terminal {
  #child: ChildProcess;
  /** What the program printed, decoded but not yet cleaned: an escape sequence may still be arriving. */
  #raw = "";
  #text = "";
  /** {@link text} with runs of white space as one space, what {@link waitFor} reads. */
  #flat = "";
  #closed = false;
  /** Where the next {@link waitFor} starts reading (in the text with white space collapsed): text already matched is not matched again. */
  #read = 0;
  #waiters = new Set<() => void>();
  readonly exited: Promise<number>;

  /** Starts `argv` in the terminal with exactly `env` (plus `TERM`), in `cwd`. */
  constructor(argv: readonly string[], env: Record<string, string>, cwd: string) {
    const command = `stty cols 120 rows 40; exec ${argv.map(quote).join(" ")}`;
    // Its own process group, so close() ends pi as well as the terminal.
    this.#child = spawn("script", ["-qfec", command, "/dev/null"], {
      cwd,
      env: { ...env, TERM: "xterm-256color" },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    const take = (chunk: string) => {
      this.#raw += chunk;
      this.#text = this.#raw.replace(ESCAPES, "");
      this.#flat = this.#text.replace(/\s+/g, " ");
      for (const wake of this.#waiters) wake();
    };
    // Decoded as a stream: a character split across two chunks stays one character.
    this.#child.stdout!.setEncoding("utf8").on("data", take);
    this.#child.stderr!.setEncoding("utf8").on("data", take);
    const forget = ownGroup(this.#child);
    this.exited = new Promise((resolve) => {
      this.#child.on("close", (code) => {
        forget();
        this.#closed = true;
        resolve(code ?? 1);
        for (const wake of this.#waiters) wake();
      });
    });
  }

  /** Everything the program printed, as text. */
  get text(): string {
    return this.#text;
  }

  /**
   * Resolves once the program has printed `expected` after what earlier waits matched; rejects with
   * the screen's last lines when it exits first or `timeoutMs` passes. Runs of white space count as
   * one space, so a line the TUI wrapped still matches.
   */
  waitFor(expected: string | RegExp, timeoutMs = 30_000): Promise<string> {
    if (typeof expected !== "string" && expected.global) {
      throw new Error("waitFor takes no /g pattern: it keeps its lastIndex between checks");
    }
    return new Promise((resolve, reject) => {
      let ended = false;
      const check = () => {
        const rest = this.#flat.slice(this.#read);
        const match = typeof expected === "string"
          ? (rest.includes(expected) ? { index: rest.indexOf(expected), 0: expected } : null)
          : expected.exec(rest);
        if (match) {
          done();
          this.#read += match.index + match[0].length;
          return resolve(match[0]);
        }
        // After "close", not "exit": by then everything the program printed has been read.
        if (this.#closed || ended) {
          done();
          reject(
            new Error(
              `pi never printed ${String(expected)}${ended ? ` within ${timeoutMs} ms` : " before it exited"}; its screen ended with:\n${
                this.#text.slice(-1500)
              }`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        ended = true;
        check();
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Types text, or keys from {@link KEYS}. */
  type(keys: string): void {
    this.#child.stdin!.write(keys);
  }

  /** Ends the program and the terminal if they still run (their whole process group), and waits for them. */
  async close(): Promise<number> {
    if (!this.#closed && this.#child.pid !== undefined) {
      killGroup(this.#child.pid, "SIGKILL");
    }
    return await this.exited;
  }
}

/**
 * The environment for a TUI run: the test's, without anything that would configure a proxy or a
 * provider key. pi loads our TypeScript through its own transpiler, whose coverage would not map
 * onto our sources, and Node re-adds a missing NODE_V8_COVERAGE to children: it points elsewhere.
 */
export function cleanEnvironment(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(LITELLM_|OPENAI_|ANTHROPIC_)/.test(name)) env[name] = value;
  }
  if (env.NODE_V8_COVERAGE) env.NODE_V8_COVERAGE = temporaryDirectory("pi-litellm-tui-coverage-");
  return { ...env, ...extra };
}
