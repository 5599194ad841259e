/**
 * The line pi shows for a failed request: one line for a replay rule or a LiteLLM error kind
 * instead of the backend's paragraph, never a secret, and kept off pi's turn retry where sending
 * the turn again cannot help.
 *
 * @module
 */

import type { WireApi } from "../types.ts";
import { redact } from "../secrets.ts";
import { type ErrorContext, errorKindOf, quoted } from "./error-kinds.ts";
import { readProxyError } from "./error-text.ts";
import { replayFailureLine, replayRuleOf } from "./replay-rules.ts";
import { unretryable } from "./turn-retry.ts";

/** What a failed request's line says besides the error's own text. */
export interface LineFacts {
  /** What the line may name: the model, the proxy, the variables, a probe's finding. */
  about: ErrorContext;
  wireApi: WireApi;
  /** Whether nothing of the answer had reached pi yet. */
  beforeContent: boolean;
  /** Values never to show: the key, and configured secret headers. */
  secrets: readonly (string | undefined)[];
}

/** The line pi is shown, and what follows from the error besides it. */
export interface ErrorLine {
  line: string;
  /** Whether the line is final: kept off pi's turn retry, because sending the turn again cannot help. */
  final: boolean;
  /** The proxy says the model is unknown or not allowed: the catalog may be stale. */
  staleCatalog: boolean;
  /** A line print mode would not show otherwise (an overflow pi handles itself). */
  printModeNote?: string;
}

/**
 * The line for the error `text`. An error before content is final (whatever could be sent again
 * was); one that broke off an answer keeps the backend's words for pi's retry, unless its kind
 * cannot succeed. A line for pi's compaction is left for pi to act on.
 *
 * @example
 * ```ts
 * import { errorLine } from "./error-line.ts";
 *
 * const about = { model: "gpt-5", baseUrl: "http://127.0.0.1:4000", keyVariable: "LITELLM_API_KEY" };
 * const { line } = errorLine("401 Authentication Error", { about, wireApi: "openai-completions", beforeContent: true, secrets: [] });
 * ```
 */
export function errorLine(text: string, facts: LineFacts): ErrorLine {
  const model = facts.about.model;
  const rule = replayRuleOf(text);
  const error = readProxyError(text);
  const kind = rule ? undefined : errorKindOf(text, error);
  const brokeOff = !facts.beforeContent && kind?.retry === "once";
  const said = rule
    ? replayFailureLine(rule, model, facts.wireApi)
    : brokeOff
    ? `LiteLLM: ${model}'s answer broke off: ${quoted(error.message)}`
    : kind
    ? kind.line(text, facts.about, error)
    : text;
  // Redacted before anything is inserted into it: a key holding `429` must still be found.
  const line = redact(said, facts.secrets);
  const final = Boolean(rule || kind) && !brokeOff && kind?.retry !== "compact";
  const note = kind?.printModeNote?.(facts.about);
  return {
    line: final ? unretryable(line) : line,
    final,
    staleCatalog: kind?.staleCatalog === true,
    ...(note ? { printModeNote: note } : {}),
  };
}
