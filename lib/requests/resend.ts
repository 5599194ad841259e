/**
 * When a request is sent again, and after how long: how many times at most, the wait LiteLLM or the
 * backend names and the longest honoured, and how pi's own resend of a turn that cannot succeed is
 * recognised (the same conversation, soon after).
 *
 * @module
 */

import type { Context } from "../pi.ts";
import type { ErrorKind } from "./error-kinds.ts";
import { backendWaitOf, readProxyError, waitOf } from "./error-text.ts";
import type { Observed } from "./proxy-fetch.ts";

/** Times one request is sent again: after learning a field, taking a fallback route, or a wait. */
export const MAX_RESENDS = 3;

/**
 * The longest wait LiteLLM may ask for (its own limit, a cooldown) before the extension asks
 * again; longer ones fail at once. Short enough that the line comes within half a minute.
 */
export const MAX_WAIT_MS = 20_000;

/**
 * For a backend's 429 or 5xx, which LiteLLM already retried: the wait before the one more try when
 * nobody names one, and the longest named wait it is sent again after (a longer one fails at once,
 * naming it). LiteLLM's own retries take about 10 s, so the line comes well within 30 s.
 */
export const ONCE_WAIT_MS = { unnamed: 1_000, longest: 5_000 } as const;

/** How long a line pi would still resend is answered again without a request: pi's turn retry resends within seconds. */
const ANSWERED_FOR_MS = 60_000;

/** Resolves after `ms`, or rejects when the request is aborted meanwhile. */
export function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error("Request was aborted"));
    const aborted = () => {
      clearTimeout(timer);
      reject(new Error("Request was aborted"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", aborted);
      resolve();
    }, ms);
    signal?.addEventListener("abort", aborted, { once: true });
  });
}

/**
 * The wait before a kind's one more try: the wait LiteLLM names for its own answers; for the
 * backend's, the `retry-after` LiteLLM passes on (`llm_provider-retry-after`), or the one the
 * backend's words name, or a short pause.
 */
function waitBeforeAgain(kind: ErrorKind, message: string, observed: Observed): number | undefined {
  if (kind.retry === "after-wait") return waitOf(message);
  const header = Number(observed.headers?.get("retry-after") ?? observed.headers?.get("llm_provider-retry-after") ?? NaN);
  if (Number.isFinite(header) && header >= 0) return header * 1000;
  return backendWaitOf(readProxyError(message).message) ?? ONCE_WAIT_MS.unnamed;
}

/** A conversation's fingerprint, to know pi's turn retry of it: the same messages, in the same order. */
function fingerprint(context: Context): string {
  const text = JSON.stringify(context.messages);
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  return `${text.length}:${(hash >>> 0).toString(16)}`;
}

/**
 * The wait before one more try of an error of this kind, or `undefined` when it is not tried again:
 * it was already, its kind is not one to try again, or the wait named is longer than the kind allows.
 */
export function resendWait(kind: ErrorKind | undefined, message: string, observed: Observed, waited: boolean): number | undefined {
  if (waited || (kind?.retry !== "after-wait" && kind?.retry !== "once")) return undefined;
  const ms = waitBeforeAgain(kind, message, observed);
  return ms === undefined || ms > (kind.retry === "once" ? ONCE_WAIT_MS.longest : MAX_WAIT_MS) ? undefined : ms;
}

/**
 * Final lines pi would still resend (a URL holding `500`, on a pi that allows no wording for it),
 * per model: pi's turn retry of that very conversation is answered with the same line, unsent.
 */
export class AnsweredTurns {
  #lines = new Map<string, { fingerprint: string; line: string; at: number }>();

  /** The line this conversation was answered with, when pi is resending it now. */
  again(modelId: string, context: Context): string | undefined {
    const earlier = this.#lines.get(modelId);
    if (earlier && Date.now() - earlier.at < ANSWERED_FOR_MS && earlier.fingerprint === fingerprint(context)) return earlier.line;
    this.#lines.delete(modelId);
    return undefined;
  }

  /** Keeps the final line of a conversation pi would resend. */
  remember(modelId: string, context: Context, line: string): void {
    this.#lines.set(modelId, { fingerprint: fingerprint(context), line, at: Date.now() });
  }
}
