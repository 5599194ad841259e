/**
 * What a turn cost and what the key has spent, as LiteLLM reports them: the cost of one request
 * (`x-litellm-response-cost` on answers that are not streamed, `usage.cost` in a stream's last
 * chunk), the key's spend and budget on every response's headers, and `/key/info` for `/litellm`.
 *
 * @module
 */

import type { ModelCost } from "../types.ts";

/** Token counts of a turn, as pi-ai reports them. */
export interface TurnUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/** One turn through a provider, as the stream ended it. */
export interface SpentTurn {
  model: string;
  usage: TurnUsage;
  /** In dollars. */
  cost: number;
  /** The cost is LiteLLM's own (`usage.cost`, `x-litellm-response-cost`), not pi's from the prices. */
  fromLiteLLM: boolean;
}

/** pi's cost breakdown of a turn, in dollars. */
export type TurnCost = ModelCost & { total: number };

/** The response headers LiteLLM puts its figures in. */
export const SPEND_HEADERS = {
  cost: "x-litellm-response-cost",
  spend: "x-litellm-key-spend",
  maxBudget: "x-litellm-key-max-budget",
} as const;

/** Dollars as every line shows them: `$12.50`. */
export function dollarText(value: number): string {
  return `$${value.toFixed(2)}`;
}

/** The shares of a key's budget a session is warned at, once each, unless settings say others. */
export const BUDGET_WARNING_SHARES: readonly number[] = [0.8, 0.95];

/** A rate limit's remaining requests or tokens under this share of the limit get one notice. */
export const RATE_LIMIT_WARNING_SHARE = 0.1;

const dollars = (value: unknown): number | undefined => {
  const number = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  return Number.isFinite(number) && number >= 0 ? number : undefined;
};

/**
 * The turn's cost in pi's shape when LiteLLM names the total: split over input, output and cache in
 * proportion to what the metadata prices say each part cost, or all in `total` without prices.
 *
 * @example
 * ```ts
 * splitCost(0.02, { input: 1000, output: 100, cacheRead: 0, cacheWrite: 0 }, { input: 3, output: 15, cacheRead: 0, cacheWrite: 0 }).input;
 * // 0.0133… (two thirds of the priced cost was input)
 * ```
 */
export function splitCost(total: number, usage: TurnUsage, prices: ModelCost): TurnCost {
  const parts: ModelCost = {
    input: usage.input * prices.input,
    output: usage.output * prices.output,
    cacheRead: usage.cacheRead * prices.cacheRead,
    cacheWrite: usage.cacheWrite * prices.cacheWrite,
  };
  const priced = parts.input + parts.output + parts.cacheRead + parts.cacheWrite;
  if (priced <= 0) return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total };
  const share = (part: number) => (part / priced) * total;
  return {
    input: share(parts.input),
    output: share(parts.output),
    cacheRead: share(parts.cacheRead),
    cacheWrite: share(parts.cacheWrite),
    total,
  };
}

/** The cost LiteLLM put in a response's headers, if any. */
export function headerCost(headers: Readonly<Record<string, string>>): number | undefined {
  return dollars(headers[SPEND_HEADERS.cost]);
}

/** The cost in a provider stream event: a chat chunk's `usage.cost`, or a completed response's. */
export function eventCost(event: unknown): number | undefined {
  const record = event as { usage?: { cost?: unknown }; response?: { usage?: { cost?: unknown } } } | null;
  return dollars(record?.usage?.cost ?? record?.response?.usage?.cost);
}

/** The key's spend and budget from a response's headers, when it has a budget. */
export function keySpend(headers: Readonly<Record<string, string>>): { spend: number; maxBudget: number } | undefined {
  const spend = dollars(headers[SPEND_HEADERS.spend]);
  const maxBudget = dollars(headers[SPEND_HEADERS.maxBudget]);
  return spend !== undefined && maxBudget !== undefined && maxBudget > 0 ? { spend, maxBudget } : undefined;
}

/** One rate limit as an answer's headers give it: what is left of how much, and who set it. */
export interface RateLimit {
  unit: "requests" | "tokens";
  remaining: number;
  limit: number;
  /** `backend` for limits LiteLLM passes on from the backend (`llm_provider-` headers), `proxy` for its own. */
  by: "backend" | "proxy";
  /** The header the figure came from. */
  header: string;
}

/**
 * The rate limits in an answer's headers: OpenAI's `x-ratelimit-remaining-requests` /
 * `-limit-requests` (and `-tokens`) that LiteLLM passes on from the backend (also prefixed
 * `llm_provider-`), and LiteLLM's own `x-ratelimit-<key>-remaining-<unit>` on answers it writes.
 */
export function rateLimits(headers: Readonly<Record<string, string>>): RateLimit[] {
  const limits: RateLimit[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const match = /^x-ratelimit-(?:(\w+)-)?remaining-(requests|tokens)$/.exec(name.toLowerCase());
    if (!match) continue;
    const [, scope, unit] = match;
    const limit = Number(headers[name.toLowerCase().replace("-remaining-", "-limit-")]);
    const remaining = Number(value);
    if (!Number.isFinite(limit) || limit <= 0 || !Number.isFinite(remaining) || remaining < 0) continue;
    const passedOn = scope === undefined && headers[`llm_provider-${name.toLowerCase()}`] !== undefined;
    limits.push({ unit: unit as RateLimit["unit"], remaining, limit, by: passedOn ? "backend" : "proxy", header: name.toLowerCase() });
  }
  return limits;
}

/** `/key/info` for the caller's own key, read for `/litellm`. */
export interface KeyInfo {
  spend?: number;
  maxBudget?: number;
  resetsAt?: string;
  expires?: string;
  models?: string[];
  teamId?: string;
  userId?: string;
}

/** Reads `/key/info`'s body: `{ key, info: { spend, max_budget, budget_reset_at, expires, models } }`. */
export function readKeyInfo(body: unknown): KeyInfo {
  const info = ((body as { info?: unknown } | null)?.info ?? body ?? {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  const models = Array.isArray(info.models) ? info.models.filter((model): model is string => typeof model === "string") : undefined;
  const result: KeyInfo = {
    spend: dollars(info.spend),
    maxBudget: dollars(info.max_budget),
    resetsAt: text(info.budget_reset_at),
    expires: text(info.expires),
    models,
    teamId: text(info.team_id),
    userId: text(info.user_id),
  };
  return Object.fromEntries(Object.entries(result).filter(([, value]) => value !== undefined)) as KeyInfo;
}

/** `/litellm`'s line about the key. */
export function keyInfoLine(info: KeyInfo): string {
  const spent = info.spend === undefined
    ? "spend unknown"
    : info.maxBudget === undefined
    ? `spent ${dollarText(info.spend)}, no budget`
    : `spent ${dollarText(info.spend)} of ${dollarText(info.maxBudget)}`;
  const parts = [
    spent,
    info.resetsAt && `budget resets ${info.resetsAt.slice(0, 16).replace("T", " ")}`,
    info.expires && `key expires ${info.expires.slice(0, 16).replace("T", " ")}`,
    info.models && info.models.length > 0 && `models: ${info.models.join(", ")}`,
  ];
  return `  key: ${parts.filter(Boolean).join("; ")}`;
}
