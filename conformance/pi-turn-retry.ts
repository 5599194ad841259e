/**
 * pi's turn retry of each pi version the extension serves, copied from pi's sources as test
 * oracles: which error texts pi sends again. pi-coding-agent 0.73.1 `dist/core/agent-session.js`
 * (`_isRetryableError`); pi-ai 0.87.1 and 1.6.0 `dist/utils/retry.js` (`isRetryableAssistantError`:
 * a non-retryable pattern first, then the retryable one).
 *
 * @module
 */

const pattern = (parts: readonly string[]) => new RegExp(parts.join("|"), "i");

const PI_073 =
  /overloaded|provider.?returned.?error|rate.?limit|too many requests|429|500|502|503|504|service.?unavailable|server.?error|internal.?error|network.?error|connection.?error|connection.?refused|connection.?lost|websocket.?closed|websocket.?error|other side closed|fetch failed|upstream.?connect|reset before headers|socket hang up|ended without|http2 request did not get a response|timed? out|timeout|terminated|retry delay/i;

const NON_087 = pattern(["GoUsageLimitError", "FreeUsageLimitError", "Monthly usage limit reached", "available balance", "insufficient_quota", "out of budget", "quota exceeded", "billing"]);
const RETRY_087 = pattern([
  "overloaded", "currently experiencing high demand", "rate.?limit", "too many requests", "429", "500", "502", "503", "504", "520", "524", "service.?unavailable",
  "server.?error", "internal.?error", "provider.?returned.?error", "exceeded request buffer limit while retrying upstream", "network.?error", "connection.?error",
  "connection.?refused", "connection.?lost", "other side closed", "fetch failed", "getaddrinfo", "ENOTFOUND", "EAI_AGAIN", "upstream.?connect", "reset before headers",
  "socket hang up", "socket connection was closed", "timed? out", "timeout", "terminated", "websocket.?closed", "websocket.?error", "ended without",
  "stream ended before message_stop", "stream ended before a terminal response event", "http2 request did not get a response", "retry delay",
  "you can retry your request", "try your request again", "please retry your request", "ResourceExhausted",
]);

const NON_16 = pattern([
  "GoUsageLimitError", "FreeUsageLimitError", "Monthly usage limit reached", "available balance", "insufficient_quota", "out of budget", "quota exceeded", "billing",
  "subscription_sharing_usage_limit_exceeded", "subscription_sharing_workplace_individual_usage_limit_exceeded", '"code"\\s*:\\s*"?1308(?![0-9])',
]);
const RETRY_16 = pattern([
  "overloaded", "server_busy", "servers are currently busy", "currently experiencing high demand", "model is at capacity", "rate.?limit", "too many requests",
  "(?<![a-z0-9])(?:429|500|502|503|504|520|524)(?![a-z0-9])", "service.?(?:is.?)?(?:temporarily.?)?unavailable", "server.?error", "internal.?error",
  "provider.?returned.?(?:an.?)?error", "exceeded request buffer limit while retrying upstream", "unable to forward upstream", "upstream.?request.?failed",
  "upstream_stream_read_error", "stream was interrupted", "http/?2 stream failed", "network.?error", "connection.?error", "connection.?refused", "connection.?lost",
  "connection.?closed", "other side closed", "fetch failed", "request to \\S+ failed, reason:", "getaddrinfo",
  "(?<![a-z0-9_])(?:ECONNRESET|ECONNABORTED|ECONNREFUSED|ETIMEDOUT|EPIPE)(?![a-z0-9_])", "connection reset by peer", "ENOTFOUND", "EAI_AGAIN", "upstream.?connect",
  "reset before headers", "socket hang up", "socket connection was closed", "timed? out", "timeout", "terminated", "websocket.?closed", "websocket.?error",
  "websocket.?connection.?limit.?reached", "ended without", "stream ended before message_stop", "stream ended before a terminal response event",
  "http2 request did not get a response", "stream disconnected before completion", "cut short after the reply had begun", "pending stream has been canceled",
  "retry delay", "you can retry your request", "try your request again", "please retry your request", "ResourceExhausted", "subscription_sharing_usage_unavailable",
  "subscription_sharing_user_unavailable",
]);

/** Whether each pi would send a turn again that failed with this text. */
export const PI_TURN_RETRY: Readonly<Record<"0.73.1" | "0.87.1" | "1.6.0", (text: string) => boolean>> = {
  "0.73.1": (text) => PI_073.test(text),
  "0.87.1": (text) => !NON_087.test(text) && RETRY_087.test(text),
  "1.6.0": (text) => !NON_16.test(text) && RETRY_16.test(text),
};
