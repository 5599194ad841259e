/**
 * pi's own turn retry, kept off lines that must not be sent again. pi resends a failed turn when
 * its error text reads like a passing failure: pi 0.73 on any of its retry words anywhere (a bare
 * `500` in a port or a figure included), pi 0.87 and 1.x unless a non-retryable phrase (`out of
 * budget`, `quota exceeded`, …) comes first, pi 1.x on status numbers only as whole words.
 *
 * A line is asked of pi's own judgement where pi exports it (`isRetryableAssistantError`, pi 0.87
 * and later); only when pi would resend it do its retry words and figures get an invisible word
 * joiner (U+2060), never inside a URL, which must copy byte for byte. A line pi would still resend
 * (a URL holding `500`, on a pi that allows no wording for it) is answered by the stream itself.
 *
 * @module
 */

import { piResendsTurn } from "../pi.ts";

/**
 * Every retry word of pi 0.73, 0.87.1 and 1.6.0 a line of ours can hold (pi-coding-agent 0.73
 * `_isRetryableError`; pi-ai 0.87 and 1.x `utils/retry.ts`, `RETRYABLE_PROVIDER_ERROR_PATTERN`).
 */
const RETRY_WORDS =
  /overloaded|provider.?returned.?(?:an.?)?error|rate.?limit|too many requests|429|500|502|503|504|520|524|service.?(?:is.?)?(?:temporarily.?)?unavailable|server.?error|internal.?error|network.?error|connection.?(?:error|refused|lost|closed)|websocket.?(?:closed|error)|other side closed|fetch failed|upstream.?connect|reset before headers|socket hang up|ended without|timed? out|timeout|terminated|retry delay|you can retry your request|try your request again|please retry your request|server_busy|servers are currently busy|high demand|at capacity|ECONNRESET|ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|getaddrinfo/gi;

/** URLs, which a user copies: nothing is ever inserted into them. */
const URLS = /https?:\/\/[^\s"'<>`]+/g;

/** A retry word or figure with a word joiner after its first character: it reads and wraps the same. */
const joined = (match: string) => `${match[0]}\u2060${match.slice(1)}`;

/**
 * A line pi's turn retry leaves alone, as far as its text allows: unchanged when pi would not
 * resend it; otherwise with word joiners in its retry words and figures, outside its URLs.
 *
 * @example
 * ```ts
 * unretryable("LiteLLM: spent $500.00", (line) => /500/.test(line)); // "LiteLLM: spent $5\u206000.00"
 * unretryable("LiteLLM at http://localhost:5000 …", () => true).includes("http://localhost:5000"); // true
 * ```
 */
export function unretryable(line: string, resends: (line: string) => boolean = piResendsTurn): string {
  if (!resends(line)) return line;
  let guarded = "";
  let from = 0;
  for (const url of line.matchAll(URLS)) {
    guarded += line.slice(from, url.index).replace(RETRY_WORDS, joined) + url[0];
    from = url.index + url[0].length;
  }
  return guarded + line.slice(from).replace(RETRY_WORDS, joined);
}

/** A line as a user reads and copies it: without the word joiners. */
export function plainLine(line: string): string {
  return line.replaceAll("\u2060", "");
}
