/**
 * GET requests to the proxy's management routes, bounded in time, with every failure turned into a
 * single line that names the cause and what to set. No secret appears in a message, a redirect to
 * another origin is not followed, and a body larger than {@link MAX_BODY_BYTES} is not read.
 *
 * @module
 */

import { fetchWithinOrigin, redact, REDIRECT_REFUSED_HEADER } from "./secrets.ts";
import type { Result } from "./types.ts";

/** How a request to the proxy failed, coarse enough to decide fallbacks on. */
export type FailureKind =
  | "refused"
  | "dns"
  | "tls"
  | "timeout"
  | "network"
  | "unauthorized"
  | "forbidden"
  | "no-database"
  | "not-found"
  | "gateway"
  | "http"
  | "redirected"
  | "too-large"
  | "malformed";

/** A failed request: the kind, the HTTP status when there was one, and the line to show the user. */
export interface ProxyFailure {
  kind: FailureKind;
  status?: number;
  message: string;
}

/** The outcome of {@link getJson}. */
export type JsonResult = Result<unknown, ProxyFailure>;

/** One GET to the proxy. */
export interface ProxyRequest {
  url: string;
  apiKey?: string;
  /** The time budget named in messages; the request also ends at `deadline` if that comes first. */
  timeoutMs: number;
  /** Epoch milliseconds by which several requests sharing one budget must end. */
  deadline?: number;
  headers?: Readonly<Record<string, string>>;
  /** Values never to show besides the key: secret header values. */
  secrets?: readonly string[];
  /** Variable names for the hints in messages. */
  keyVariable: string;
  urlVariable: string;
  fetch?: typeof fetch;
}

/** Network errors by the codes Node (undici) and Deno report, most specific first. */
// deno-fmt-ignore -- a table reads one row per line
const NETWORK_CAUSES: readonly { pattern: RegExp; kind: FailureKind }[] = [
  { pattern: /ECONNREFUSED|connection refused/i, kind: "refused" },
  { pattern: /ENOTFOUND|EAI_AGAIN|dns error|failed to lookup|name resolution/i, kind: "dns" },
  { pattern: /EPROTO|wrong version number|ERR_SSL|SSL routines|certificate|self[- ]signed|UNABLE_TO_VERIFY|InvalidContentType|tls/i, kind: "tls" },
  { pattern: /TimeoutError|ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|timed out/i, kind: "timeout" },
];

/** HTTP statuses with a meaning of their own; the rest are `http`. */
const STATUS_KINDS: Readonly<Record<number, FailureKind>> = {
  401: "unauthorized",
  403: "forbidden",
  404: "not-found",
  502: "gateway",
  503: "gateway",
  504: "gateway",
};

/**
 * LiteLLM's answer to a key other than its master key when it runs without a database (400, type
 * `no_db_connection`, BerriAI/litellm `litellm/proxy/auth/user_api_key_auth.py`; seen on the real LiteLLM 1.106.12): the key cannot be checked at all.
 */
export const NO_DATABASE = /No connected db/i;

/** The largest management answer read: a catalog of 10,000 deployments is a few MB. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

type MessageContext = { url: string; host: string; status?: number; detail: string; request: ProxyRequest };

/** One sentence per failure kind; each says what happened and what to do. */
const MESSAGES: Readonly<Record<FailureKind, (context: MessageContext) => string>> = {
  refused: ({ url, request }) => `Cannot reach LiteLLM at ${url} (connection refused); is the proxy running? Check ${request.urlVariable}`,
  dns: ({ host, request }) => `Cannot resolve LiteLLM host "${host}"; check ${request.urlVariable}`,
  tls: ({ url, request }) =>
    `Cannot speak TLS with LiteLLM at ${url}: the proxy is plain HTTP (use http:// in ${request.urlVariable}) or its certificate is not trusted (NODE_EXTRA_CA_CERTS)`,
  timeout: ({ url, request }) =>
    `LiteLLM at ${url} did not answer within ${request.timeoutMs} ms; check the proxy or raise LITELLM_DISCOVERY_TIMEOUT_MS`,
  network: ({ url, detail }) => `Cannot reach LiteLLM at ${url}: ${detail}`,
  unauthorized: ({ url, request }) => `LiteLLM rejected the API key (401) at ${url}; check ${request.keyVariable}`,
  forbidden: ({ url, request }) =>
    `LiteLLM refused this key access (403) at ${url}; check ${request.keyVariable} or the key's allowed routes`,
  "no-database": ({ url, request }) =>
    `LiteLLM at ${url} has no database to check this key against; use its master key in ${request.keyVariable}, or ask its admin`,
  "not-found": ({ url, request }) => `LiteLLM has no such route (404) at ${url}; check that ${request.urlVariable} points at the proxy`,
  gateway: ({ url, status, detail }) =>
    `LiteLLM at ${url} is unavailable (${status}${detail ? `, ${detail}` : ""}); a gateway in front of the proxy failed`,
  http: ({ url, status, detail }) => `LiteLLM at ${url} answered ${status}${detail ? `: ${detail}` : ""}`,
  redirected: ({ detail }) => detail,
  "too-large": ({ url }) =>
    `LiteLLM at ${url} answered with more than ${
      MAX_BODY_BYTES / 1024 / 1024
    } MB; that is not a model list, check that the URL points at the proxy`,
  malformed: ({ url, detail, request }) =>
    `LiteLLM at ${url} answered with something that is not JSON (${detail}); check that ${request.urlVariable} points at the proxy`,
};

/** The first line of an error, trimmed to a readable length. */
function oneLine(text: string, max = 160): string {
  const line = text.split(/\r?\n/).find((part) => part.trim() !== "")?.trim() ?? "";
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * The human part of an error body: LiteLLM's `{"error":{"message"}}`, FastAPI's `{"detail"}`, the
 * `<title>` of an HTML page, or the text itself.
 */
export function errorDetail(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; detail?: unknown; message?: unknown };
    const message = typeof body.error === "object" ? body.error?.message : body.error ?? body.detail ?? body.message;
    if (message !== undefined) return oneLine(typeof message === "string" ? message : JSON.stringify(message));
  } catch {
    const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1];
    if (title) return oneLine(title);
  }
  return oneLine(text);
}

function failure(kind: FailureKind, request: ProxyRequest, detail: string, status?: number): ProxyFailure {
  const target = new URL(request.url);
  const url = `${target.origin}${target.pathname}`;
  const message = MESSAGES[kind]({ url, host: target.hostname, detail, request, ...(status === undefined ? {} : { status }) });
  return { kind, ...(status === undefined ? {} : { status }), message: redact(message, [request.apiKey, ...request.secrets ?? []]) };
}

function networkKind(error: unknown): FailureKind {
  const parts: string[] = [];
  for (let cause: unknown = error; cause instanceof Error && parts.length < 4; cause = cause.cause) {
    parts.push(cause.name, cause.message, String((cause as { code?: unknown }).code ?? ""));
  }
  const text = parts.join(" ");
  return NETWORK_CAUSES.find((entry) => entry.pattern.test(text))?.kind ?? "network";
}

/** The line of our own redirect refusal, from its body. */
function refusalOf(text: string): string {
  try {
    return String((JSON.parse(text) as { error: { message: unknown } }).error.message);
  } catch {
    return errorDetail(text);
  }
}

/** A response's text, or `undefined` once it grows past `limit` bytes (the rest is not read). */
async function boundedText(response: Response, limit: number): Promise<string | undefined> {
  if (Number(response.headers.get("content-length") ?? 0) > limit) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return "";
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    size += chunk.value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    parts.push(decoder.decode(chunk.value, { stream: true }));
  }
  parts.push(decoder.decode());
  return parts.join("");
}

/**
 * GETs a JSON document from the proxy with `Authorization: Bearer`, within `timeoutMs`.
 * Never throws: every failure, HTTP or network, comes back as a {@link ProxyFailure}.
 */
export async function getJson(request: ProxyRequest): Promise<JsonResult> {
  const headers: Record<string, string> = { accept: "application/json", ...request.headers };
  if (request.apiKey) headers.authorization = `Bearer ${request.apiKey}`;
  // A timer of our own: AbortSignal.timeout() is unref'd and would not keep a hung request alive.
  const controller = new AbortController();
  const budget = Math.min(request.timeoutMs, (request.deadline ?? Infinity) - Date.now());
  const timer = setTimeout(() => controller.abort(new DOMException("timed out", "TimeoutError")), Math.max(0, budget));
  let response: Response;
  let text: string | undefined;
  try {
    response = await fetchWithinOrigin(request.fetch ?? fetch, request.url, { headers, signal: controller.signal }, request.urlVariable);
    text = await boundedText(response, MAX_BODY_BYTES);
  } catch (error) {
    const kind = networkKind(error);
    return { ok: false, problem: failure(kind, request, oneLine(error instanceof Error ? error.message : String(error))) };
  } finally {
    clearTimeout(timer);
  }
  if (text === undefined) return { ok: false, problem: failure("too-large", request, "") };
  if (!response.ok) {
    // The refusal is our own body (secrets.ts), whole: its line is longer than a proxy's detail may be.
    if (response.headers.get(REDIRECT_REFUSED_HEADER)) {
      return { ok: false, problem: failure("redirected", request, refusalOf(text), response.status) };
    }
    const detail = errorDetail(text);
    const kind = NO_DATABASE.test(detail)
      ? "no-database"
      : STATUS_KINDS[response.status] ?? (response.status >= 500 && /^\s*</.test(text) ? "gateway" : "http");
    return { ok: false, problem: failure(kind, request, detail, response.status) };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, problem: failure("malformed", request, JSON.stringify(oneLine(text, 40))) };
  }
}
