/**
 * LiteLLM's answers at request time, as one table: how each kind is recognised, the one line the
 * user reads (the model, what happened, what to do, the backend's own words without LiteLLM's
 * wrapping), and whether and how it is sent again. The last row takes whatever no other row knows.
 *
 * A kind is recognised by LiteLLM's `error.type` first, then by its exception class, then by its
 * message, and only last by status: statuses moved between LiteLLM versions (a budget was 400, then
 * 429, and is 422 in 1.106). Sources: litellm/proxy/_types.py (`ProxyErrorTypes`),
 * litellm/exceptions.py, litellm/proxy/hooks/parallel_request_limiter_v3.py, litellm/router.py.
 *
 * @module
 */

import { NO_DATABASE } from "../proxy-http.ts";
import { printable, REDIRECT_REFUSED } from "../secrets.ts";
import { capture, type ProxyError, readProxyError, waitOf } from "./error-text.ts";
import { dollarText } from "./spend.ts";

/**
 * How a kind is sent again: `never`; `after-wait`, once, after the wait LiteLLM names (its own
 * limits, a cooldown); `once` more after a short wait, for what LiteLLM already retried at the
 * backend (a 429, a 5xx); `compact`: pi compacts the conversation and sends it shorter.
 */
export type RetryPolicy = "never" | "after-wait" | "once" | "compact";

/** What a line may name besides the error itself. */
export interface ErrorContext {
  model: string;
  /** The proxy root, for lines about reaching it. */
  baseUrl: string;
  /** The variable or setting the key comes from. */
  keyVariable: string;
  /** The variable or setting the proxy URL comes from. */
  urlVariable?: string;
  /** What a probe of the proxy found after a failed connection. */
  cause?: ConnectionCause;
  /** The request was already sent again once, for this very error. */
  again?: boolean;
}

/** What a probe of the proxy finds after a request could not connect. */
export type ConnectionCause = "refused" | "dns" | "tls" | "timeout" | "network" | "answers";

/**
 * What each probe result means for the user. Worded without the words pi's turn retry reacts to:
 * a request that cannot connect is not sent again, it is explained.
 */
const CONNECTION_CAUSES: Readonly<Record<ConnectionCause, (urlVariable: string) => string>> = {
  refused: (variable) => `nothing listens there; check that the proxy runs and that ${variable} points at it`,
  dns: (variable) => `its host name does not resolve; check ${variable}`,
  tls: (variable) =>
    `it does not speak TLS, or its certificate is not trusted; use http:// in ${variable} for a plain-HTTP proxy, NODE_EXTRA_CA_CERTS for a private CA`,
  timeout: (variable) => `it does not answer in time; check the proxy and ${variable}`,
  network: (variable) => `the network between here and the proxy failed; check ${variable} and any proxy settings`,
  answers: () => "it dropped this request's connection but answers again; send the request again",
};

/** One row of {@link ERROR_KINDS}. */
export interface ErrorKind {
  /** A short name, as tests and the README use it. */
  kind: string;
  /** LiteLLM `error.type` values; matched first. */
  types?: readonly string[];
  /** LiteLLM exception classes (`RateLimitError`), matched next. */
  classes?: readonly string[];
  /** Matched against the message (unwrapped, and as it came) when no type or class decides. */
  pattern?: RegExp;
  /** Matched last, when nothing else decides. */
  statuses?: readonly number[];
  /** Whether and how the request is sent again. */
  retry: RetryPolicy;
  /** The catalog may be wrong about this model: re-discover. */
  staleCatalog?: boolean;
  /** What pi does next, when pi handles it (compaction). */
  then?: string;
  /**
   * A line for print mode, where pi shows nothing for this kind: its error goes to pi's own handling
   * (compaction), whose outcome print mode does not print.
   */
  printModeNote?(context: ErrorContext): string;
  /** The line the user reads; `text` is the error as pi-ai reported it, `error` the same taken apart. */
  line(text: string, context: ErrorContext, error: ProxyError): string;
  /** A message in this kind, as LiteLLM phrases it, for tests and the README. */
  example: string;
}

const money = (value: string | undefined) => (value === undefined || Number.isNaN(Number(value)) ? undefined : dollarText(Number(value)));

/** The longest a backend's own words are quoted in a line. */
const QUOTE_LENGTH = 300;

/** The backend's own words, as a line quotes them: printable, one line, not too long. */
export function quoted(message: string): string {
  const text = printable(message);
  return `"${text.length > QUOTE_LENGTH ? `${text.slice(0, QUOTE_LENGTH - 1)}…` : text}"`;
}

/** "gpt-5's backend (Azure)", naming the provider LiteLLM names. */
const backendOf = (model: string, error: ProxyError) => `${model}'s backend${error.provider ? ` (${error.provider})` : ""}`;

/** What LiteLLM and the extension already did before a line about the backend: said so the user need not. */
const triedAgain = (context: ErrorContext) => context.again ? ", also when sent again after LiteLLM's own retries" : "";

/**
 * The table, most specific first: the first row whose type, then class, then pattern, then status
 * matches wins. The last row matches every error of the proxy's that no other row knows.
 */
export const ERROR_KINDS: readonly ErrorKind[] = [
  {
    kind: "budget",
    types: ["budget_exceeded"],
    pattern: /Budget has been exceeded|exceeded budget for model/i,
    retry: "never",
    // "out of budget" is also the phrase pi 0.87 and later never resend on.
    line: (text, { model }) => {
      const spent = money(capture(text, /Current cost:\s*([0-9.]+)/));
      const max = money(capture(text, /Max budget:\s*([0-9.]+)/));
      const who = capture(text, /\b(Key|Team|User|End User|Project|Organization|Tag)=/) ?? "key";
      const figures = spent && max ? ` (spent ${spent} of ${max})` : "";
      return `LiteLLM refused ${model}: the ${who.toLowerCase()} is out of budget${figures}; ask the proxy's admin to raise it, or wait for its reset`;
    },
    example: "Budget has been exceeded! Key=my-key (sk-...abcd) Current cost: 12.5, Max budget: 10.0",
  },
  {
    kind: "throttled",
    pattern: /Rate limit exceeded for (?:api_key|key|user|team|end_user|model)|Limit resets at:/i,
    retry: "after-wait",
    line: (text, { model }) => {
      const limit = capture(text, /Current limit:\s*(\d+)/);
      const type = capture(text, /Limit type:\s*(\w+)/);
      const reset = capture(text, /Limit resets at:\s*([0-9-]+ [0-9:]+(?: UTC)?)/);
      return `LiteLLM refused ${model}: the key's quota exceeded, the proxy allows it ${limit ?? "its"} ${type ?? "requests"} per window${
        reset ? ` until ${reset}` : ""
      }; try again after that, or ask its admin for a higher limit`;
    },
    example:
      "Rate limit exceeded for api_key: 1a2b. Limit type: requests. Current limit: 10, Remaining: 0. Limit resets at: 2026-11-25 10:00:00 UTC",
  },
  {
    kind: "cooldown",
    pattern: /No deployments available for selected model/i,
    retry: "after-wait",
    line: (text, { model }) =>
      `LiteLLM: every deployment of ${model} is cooling down after failures (for ${
        Math.round((waitOf(text) ?? 0) / 1000)
      } s); try again then, or pick another model with /model`,
    example: "No deployments available for selected model, Try again in 5 seconds. Passed model=gpt-5. pre-call-checks=False",
  },
  {
    kind: "expired-key",
    types: ["expired_key"],
    pattern: /Expired Key/i,
    retry: "never",
    line: (text, { model, keyVariable }) => {
      const since = capture(text, /Key Expiry time\s*([0-9-]+ [0-9:]+)/);
      return `LiteLLM refused ${model}: the key expired${since ? ` on ${since}` : ""}; ask for a new one and set it in ${keyVariable}`;
    },
    example: "Authentication Error - Expired Key. Key Expiry time 2026-01-01 00:00:00 and current time 2026-11-25 10:00:00",
  },
  {
    kind: "model-denied",
    types: ["key_model_access_denied", "team_model_access_denied", "user_model_access_denied", "org_model_access_denied"],
    pattern: /not allowed to access model/i,
    retry: "never",
    staleCatalog: true,
    line: (text, { model }) => {
      const allowed = capture(text, /can only access models=\[([^\]]*)\]/);
      return `LiteLLM: this key may not use ${model}${
        allowed ? `; it may use ${allowed.replaceAll("'", "")}` : ""
      }; the model list is re-read in the background, /model picks another`;
    },
    example: "key not allowed to access model. This key can only access models=['claude-haiku-4-5']. Tried to access gpt-5",
  },
  {
    kind: "unknown-model",
    pattern: /Invalid model name passed in model=/i,
    retry: "never",
    staleCatalog: true,
    line: (_text, { model, baseUrl }) =>
      `LiteLLM at ${baseUrl} no longer serves ${model}; the model list is re-read in the background, /model picks another`,
    example: "/chat/completions: Invalid model name passed in model=gpt-9. Call `/v1/models` to view available models for your key.",
  },
  {
    kind: "overflow",
    classes: ["ContextWindowExceededError"],
    pattern:
      /ContextWindowExceededError|prompt is too long|exceeds the context window|maximum context length|input is too long|context[_ ]length[_ ]exceeded/i,
    retry: "compact",
    then: "pi compacts the conversation and sends the shorter turn",
    // pi recognises `context_length_exceeded` on every version and compacts instead of failing the turn.
    line: (_text, { model }) => `LiteLLM: the conversation is longer than ${model}'s context window (context_length_exceeded)`,
    // In print mode pi 0.73 compacts and is answered but prints nothing; 0.87 and 1.x print the answer,
    // and compact only when there is history beyond keepRecentTokens to summarise.
    printModeNote: ({ model }) =>
      `LiteLLM: the conversation is longer than ${model}'s context window; pi compacts it and sends the turn again. If no answer follows, open the session in pi's TUI (pi -c, or --session) to see it or go on`,
    example:
      "litellm.ContextWindowExceededError: litellm.BadRequestError: AnthropicException - prompt is too long: 213462 tokens > 200000 maximum",
  },
  {
    kind: "no-database",
    types: ["no_db_connection"],
    pattern: NO_DATABASE,
    retry: "never",
    line: (_text, { baseUrl, keyVariable }) =>
      `LiteLLM at ${baseUrl} has no database to check this key against; use its master key in ${keyVariable}, or ask its admin`,
    example: "No connected db.",
  },
  {
    // LiteLLM's own credentials for the backend were refused, not the user's key.
    kind: "backend-credentials",
    classes: ["AuthenticationError"],
    retry: "never",
    line: (_text, { model, baseUrl }) =>
      `LiteLLM at ${baseUrl} holds credentials for ${model}'s backend that the backend refused; ask the proxy's admin`,
    example: "litellm.AuthenticationError: AnthropicException - invalid x-api-key. Received Model Group=claude-haiku-4-5",
  },
  {
    kind: "unauthorized",
    // `auth_error` is the proxy's own; `authentication_error` is what it calls a backend's 401.
    types: ["auth_error"],
    pattern: /Authentication Error|Invalid proxy server token|invalid[_ ]api[_ ]key/i,
    statuses: [401],
    retry: "never",
    line: (_text, { baseUrl, keyVariable }) => `LiteLLM at ${baseUrl} rejected the key; check ${keyVariable}`,
    example: "Authentication Error, Invalid proxy server token passed. valid_token=None.",
  },
  {
    // The extension's own refusal (secrets.ts): a redirect to another origin is not followed.
    kind: "redirected",
    types: ["redirect_refused"],
    pattern: new RegExp(REDIRECT_REFUSED),
    retry: "never",
    line: (text, _context, error) => /LiteLLM at [^"]*?new address/.exec(text)?.[0] ?? error.message,
    example:
      "307 LiteLLM at http://127.0.0.1:4000 redirected to another origin, http://127.0.0.2:4000/v1/chat/completions; the request was not sent there, so the key stays with the proxy. If the proxy moved, set LITELLM_BASE_URL to its new address",
  },
  {
    kind: "unreachable",
    pattern: /^Connection error\.?$|fetch failed|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|getaddrinfo/i,
    retry: "never",
    line: (text, { baseUrl, urlVariable, cause }) => {
      const found = cause ?? (/ENOTFOUND|EAI_AGAIN|getaddrinfo/i.test(text) ? "dns" : "refused");
      return `LiteLLM at ${baseUrl} cannot be reached: ${CONNECTION_CAUSES[found](urlVariable ?? "LITELLM_BASE_URL")}`;
    },
    example: "Connection error.",
  },
  {
    // An HTML page instead of LiteLLM's JSON: a load balancer or gateway in front of the proxy.
    kind: "gateway",
    pattern: /^\d{3}\s*<(?:!doctype|html|head|body)/i,
    retry: "once",
    line: (text, context) => {
      const status = /^(\d{3})/.exec(text)?.[1] ?? "";
      const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
      return `LiteLLM at ${context.baseUrl} is unavailable for ${context.model}: a gateway in front of it answered ${status}${
        title ? ` (${title})` : ""
      } with an HTML page${context.again ? ", also when sent again" : ""}; try again later`;
    },
    example: "502 <html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
  },
  {
    // The backend's own 429, which LiteLLM already retried. "quota exceeded" is also what pi 0.87 and later never resend on.
    kind: "backend-rate-limited",
    // Not `throttling_error`: LiteLLM gives its own limits that type too (the throttled row reads those by message).
    types: ["rate_limit_error"],
    classes: ["RateLimitError"],
    statuses: [429],
    retry: "once",
    line: (_text, context, error) =>
      `LiteLLM: ${backendOf(context.model, error)} refused it, its quota exceeded for now${triedAgain(context)}: ${
        quoted(error.message)
      }; try again in a minute, or pick another model with /model`,
    example:
      "litellm.RateLimitError: AzureException RateLimitError - Rate limit reached for gpt-5 in organization org-x on requests per min (RPM). Please retry after 2 seconds.",
  },
  {
    // The backend's own 5xx, which LiteLLM already retried.
    kind: "backend-failed",
    types: ["internal_server_error", "api_error", "service_unavailable", "timeout"],
    classes: ["InternalServerError", "APIError", "ServiceUnavailableError", "APIConnectionError", "Timeout"],
    statuses: [500, 502, 503, 504],
    retry: "once",
    line: (_text, context, error) =>
      `LiteLLM: ${backendOf(context.model, error)} failed${error.status ? ` (${error.status})` : ""}${triedAgain(context)}: ${
        quoted(error.message)
      }; try again later, or pick another model with /model`,
    example:
      'litellm.InternalServerError: InternalServerError: Hosted_vllmException - {"object":"error","message":"CUDA out of memory","type":"InternalServerError","code":500}',
  },
  {
    // Whatever no other row knows, from the proxy or through it: its words, unwrapped.
    kind: "other",
    retry: "never",
    line: (_text, { model }, error) =>
      `LiteLLM refused ${model}${error.status ? ` (${error.status})` : ""}: ${
        quoted(error.message)
      }; if it persists, ask the proxy's admin`,
    example: "400 litellm.BadRequestError: OpenAIException - Invalid 'messages[2].content': string too long.",
  },
];

/** Whether an error text comes from an HTTP answer at all (a status, an envelope, LiteLLM's classes): pi's own texts do not. */
function fromProxy(error: ProxyError): boolean {
  return error.status !== undefined || error.type !== undefined || error.classes.length > 0;
}

/**
 * The kind of an error message as pi-ai reports it, if it is one: by LiteLLM's type, then by
 * message (the specific kinds name themselves there, whatever class LiteLLM wrapped them in), then
 * by class, then by status. The last row takes every error from the proxy no other row knows; a
 * text of pi's own (an abort, a missing key) is none.
 *
 * @example
 * ```ts
 * errorKindOf("422 Budget has been exceeded! Key=dev Current cost: 12.5, Max budget: 10.0")?.kind; // "budget"
 * errorKindOf("Request was aborted"); // undefined
 * ```
 */
export function errorKindOf(text: string, error: ProxyError = readProxyError(text)): ErrorKind | undefined {
  const byType = error.type === undefined ? undefined : ERROR_KINDS.find((row) => row.types?.includes(error.type!));
  const byMessage = () =>
    ERROR_KINDS.find((row) => row.pattern !== undefined && (row.pattern.test(error.message) || row.pattern.test(text)));
  const byClass = () =>
    error.classes.map((name) => ERROR_KINDS.find((row) => row.classes?.includes(name))).find((row) => row !== undefined);
  const byStatus = () => ERROR_KINDS.find((row) => error.status !== undefined && row.statuses?.includes(error.status));
  return byType ?? byMessage() ?? byClass() ?? byStatus() ?? (fromProxy(error) ? ERROR_KINDS.at(-1) : undefined);
}
