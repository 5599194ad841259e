/**
 * What a session spends through one provider, from LiteLLM's own figures, and what it is warned
 * about: the turns (model, tokens, cost and where the cost came from), the key's spend and budget
 * from the headers of every answer, the rate limits they carry. It keeps pi's footer current (the
 * TUI's `setStatus`), warns once at each share of the budget and when a rate limit runs low (in the
 * TUI as a notice, in print mode as one line on stderr), and writes `/litellm spend`'s report. It
 * asks the proxy nothing itself.
 *
 * @module
 */

import { type SessionContext, sessionCost } from "../pi.ts";
import { printable } from "../secrets.ts";
import type { Result } from "../types.ts";
import type { SpendSettings } from "../config/config.ts";
import {
  dollarText,
  type KeyInfo,
  keySpend,
  RATE_LIMIT_WARNING_SHARE,
  type RateLimit,
  rateLimits,
  SPEND_HEADERS,
  type SpentTurn,
} from "../requests/spend.ts";

/** Where the meter's lines go: pi's TUI when there is one, print mode's stderr otherwise. */
export interface SpendOutput {
  setStatus?(text: string | undefined): void;
  warn(line: string): void;
}

/** A budget `/key/info`, `/team/info` or `/user/info` reported, for the report. */
export interface ReportedBudget {
  who: string;
  spend?: number;
  maxBudget?: number;
  resetsAt?: string;
}

/** "Dec 7", for a reset time in the footer. */
function day(iso: string): string | undefined {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date.toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
}

const count = (value: number) => value.toLocaleString("en-US");
/** Cents for what a session costs, four places for the small sums of single turns. */
const money = (value: number) => (value > 0 && value < 0.1 ? `$${value.toFixed(4)}` : dollarText(value));

/** The session's spend through one provider. */
export class SpendMeter {
  readonly turns: SpentTurn[] = [];
  /** What earlier turns of a resumed session cost, as its file holds them. */
  #earlier = 0;
  #key: { spend: number; maxBudget?: number } | undefined;
  #resetsAt: string | undefined;
  #warned = new Set<string>();
  #output: SpendOutput | undefined;

  constructor(readonly providerName: string, readonly settings: SpendSettings) {}

  /**
   * A session of pi starts: the footer goes to its TUI (print mode has none), warnings to its TUI
   * or to `warn`, and the turns it already holds count. The footer's reset time is `/key/info`'s,
   * asked once per session (`keyInfo`, `undefined` when nothing may be asked), and only for a footer.
   */
  sessionStarted(ctx: SessionContext, warn: (line: string) => void, keyInfo: (() => Promise<Result<KeyInfo>>) | undefined): void {
    const footer = ctx.hasUI && this.settings.footer;
    const setStatus = footer && ctx.ui.setStatus
      ? (text: string | undefined) => ctx.ui.setStatus!(`litellm-${this.providerName}`, text)
      : undefined;
    this.started(
      { ...(setStatus ? { setStatus } : {}), warn: ctx.hasUI ? (line) => ctx.ui.notify(line, "warning") : warn },
      sessionCost(ctx, this.providerName),
    );
    if (footer && keyInfo) void keyInfo().then((info) => info.ok && this.keyInfo(info.value), () => {});
  }

  /** A session starts: its turns so far are the file's (`earlier`), its warnings are new. */
  started(output: SpendOutput, earlier = 0): void {
    this.#output = output;
    this.#earlier = earlier;
    this.turns.length = 0;
    this.#warned.clear();
    this.#show();
  }

  /** The key's reset time, from `/key/info` when the proxy answers it. */
  keyInfo(info: KeyInfo): void {
    if (info.resetsAt) this.#resetsAt = info.resetsAt;
    if (info.spend !== undefined && !this.#key) {
      this.#key = { spend: info.spend, ...(info.maxBudget === undefined ? {} : { maxBudget: info.maxBudget }) };
    }
    this.#show();
  }

  /** An answer's headers: the key's spend and budget, the rate limits. */
  answered(headers: Readonly<Record<string, string>>): void {
    const budget = keySpend(headers);
    const spend = Number(headers[SPEND_HEADERS.spend]);
    if (budget) this.#key = budget;
    else if (Number.isFinite(spend) && headers[SPEND_HEADERS.spend] !== undefined) this.#key = { spend };
    if (budget) this.#budgetWarnings(budget.spend, budget.maxBudget);
    for (const limit of rateLimits(headers)) this.#rateWarning(limit);
    this.#show();
  }

  /** A turn ended. */
  turnEnded(turn: SpentTurn): void {
    this.turns.push(turn);
    this.#show();
  }

  /** The session's cost so far, and whether all of it is LiteLLM's own count. */
  get sessionCost(): { total: number; litellm: boolean } {
    return {
      total: this.#earlier + this.turns.reduce((sum, turn) => sum + turn.cost, 0),
      litellm: this.turns.every((turn) => turn.fromLiteLLM),
    };
  }

  /** The footer: `litellm $0.42 · key $12.10 of $50.00, resets Dec 7`; nothing before there is a figure. */
  status(): string | undefined {
    const { total, litellm } = this.sessionCost;
    const parts: string[] = [];
    if (this.turns.length > 0 || this.#earlier > 0) parts.push(`${this.providerName} ${litellm ? "" : "≈"}${money(total)}`);
    if (this.#key) {
      const reset = this.#resetsAt && day(this.#resetsAt);
      const budget = this.#key.maxBudget === undefined ? "" : ` of ${dollarText(this.#key.maxBudget)}${reset ? `, resets ${reset}` : ""}`;
      parts.push(`${parts.length === 0 ? `${this.providerName} ` : ""}key ${dollarText(this.#key.spend)}${budget}`);
    }
    return parts.length > 0 ? parts.join(" · ") : undefined;
  }

  #show(): void {
    if (this.settings.footer) this.#output?.setStatus?.(this.status());
  }

  #once(id: string, line: string): void {
    if (this.#warned.has(id)) return;
    this.#warned.add(id);
    this.#output?.warn(line);
  }

  #budgetWarnings(spend: number, maxBudget: number): void {
    const crossed = this.settings.warnAt.filter((share) => spend >= share * maxBudget);
    // Only the highest share crossed is said: a key that jumped past 80 % and 95 % at once hears 95 %.
    const highest = crossed.at(-1);
    if (highest === undefined) return;
    for (const share of crossed.slice(0, -1)) this.#warned.add(`budget-${share}`);
    this.#once(
      `budget-${highest}`,
      `LiteLLM: this key has spent ${dollarText(spend)} of its ${dollarText(maxBudget)} budget (${
        Math.floor((spend / maxBudget) * 100)
      } %, from ${SPEND_HEADERS.spend}); /litellm spend shows the session's turns`,
    );
  }

  #rateWarning(limit: RateLimit): void {
    if (limit.remaining >= RATE_LIMIT_WARNING_SHARE * limit.limit) return;
    const whose = limit.by === "backend" ? "the backend's rate limit, as LiteLLM passes it on" : "the proxy's rate limit for this key";
    this.#once(
      `rate-${limit.by}-${limit.unit}`,
      `LiteLLM: ${count(limit.remaining)} of ${
        count(limit.limit)
      } ${limit.unit} left in ${whose} (${limit.header}); slow down, or pick another model with /model`,
    );
  }

  /**
   * `/litellm spend`: the session's turns, the key's and its team's and user's budgets where the
   * proxy reported them, and what it could not say, and why.
   */
  report(budgets: readonly ReportedBudget[], unknown: readonly string[]): string[] {
    const { total, litellm } = this.sessionCost;
    const lines = [
      `${this.providerName}: this session, ${this.turns.length} turn${this.turns.length === 1 ? "" : "s"} in this run, ${money(total)}${
        litellm ? " as LiteLLM counted it" : " (from the proxy's prices where LiteLLM sent no cost)"
      }`,
    ];
    if (this.#earlier > 0) lines.push(`  earlier turns of this session: ${money(this.#earlier)}`);
    for (const turn of this.turns) {
      const { input, output, cacheRead, cacheWrite } = turn.usage;
      lines.push(
        `  ${printable(turn.model)}: ${count(input)} in, ${count(output)} out, ${count(cacheRead)} cache read, ${
          count(cacheWrite)
        } cache write: ${money(turn.cost)} (${turn.fromLiteLLM ? "LiteLLM" : "prices"})`,
      );
    }
    if (this.#key) {
      lines.push(
        `  key: spent ${dollarText(this.#key.spend)}${
          this.#key.maxBudget === undefined ? ", no budget" : ` of ${dollarText(this.#key.maxBudget)}`
        } (${SPEND_HEADERS.spend})`,
      );
    }
    for (const budget of budgets) {
      const figures = budget.spend === undefined
        ? "spend unknown"
        : `spent ${dollarText(budget.spend)}${budget.maxBudget === undefined ? ", no budget" : ` of ${dollarText(budget.maxBudget)}`}`;
      lines.push(`  ${budget.who}: ${figures}${budget.resetsAt ? `, resets ${budget.resetsAt.slice(0, 16).replace("T", " ")}` : ""}`);
    }
    for (const line of unknown) lines.push(`  ${line}`);
    return lines;
  }
}
