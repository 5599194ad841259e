/**
 * Keeping secrets in: configured secrets are blanked out of every line the extension prints or
 * hands to pi, text from the proxy is made safe for a terminal, and a request to a proxy never
 * follows a redirect to another origin, where the key and secret headers would go with it.
 *
 * @module
 */

/** Below this length a secret is replaced only where it stands alone, so "test" leaves "latest" intact. */
const SHORT_SECRET = 8;

/**
 * Replaces the secrets in a text, so a message can be shown or stored safely.
 *
 * @example
 * ```ts
 * redact("Bearer sk-123456 failed", ["sk-123456"]); // "Bearer *** failed"
 * redact("key test is the latest", ["test"]); // "key *** is the latest"
 * ```
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let result = text;
  for (const secret of secrets) {
    if (!secret) continue;
    if (secret.length >= SHORT_SECRET) result = result.split(secret).join("***");
    else result = result.replace(new RegExp(`(?<![\\w-])${secret.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w-])`, "g"), "***");
  }
  return result;
}

/** C0 and C1 control characters and DEL: a model id carrying them could drive the terminal. */
// deno-lint-ignore no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/** Whether a text from the proxy carries characters a terminal would act on. */
export function hasControlCharacters(text: string): boolean {
  CONTROL_CHARACTERS.lastIndex = 0;
  return CONTROL_CHARACTERS.test(text);
}

/**
 * A text from the proxy as it may be printed: control characters (ESC, BEL, NUL...) become `?`.
 *
 * @example
 * ```ts
 * printable("gpt-5\u001b]0;pwned\u0007"); // "gpt-5?]0;pwned?"
 * ```
 */
export function printable(text: string): string {
  return text.replace(CONTROL_CHARACTERS, "?");
}

/** Header names that carry credentials whatever their value looks like. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "proxy-authorization",
  "api-key",
  "x-api-key",
  "x-litellm-api-key",
  "cookie",
]);

/** Statuses a fetch would follow by itself. */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Same-origin redirects followed before the answer is taken as it is. */
const MAX_REDIRECTS = 5;

/** What marks the refusal in an error text, for the error-kind table. */
export const REDIRECT_REFUSED = "redirected to another origin";

/** The header that marks the refusal as ours, not a proxy's body that happens to say the same. */
export const REDIRECT_REFUSED_HEADER = "x-pi-litellm-redirect-refused";

/** The line for a redirect that was not followed. */
export function redirectRefusal(from: string, to: string, urlVariable = "LITELLM_BASE_URL"): string {
  const target = new URL(to);
  return `LiteLLM at ${
    new URL(from).origin
  } ${REDIRECT_REFUSED}, ${target.origin}${target.pathname}; the request was not sent there, so the key stays with the proxy. If the proxy moved, set ${urlVariable} to its new address`;
}

/** A body that can be sent a second time, as the SDKs pass them; a stream cannot. */
function replayable(body: RequestInit["body"]): boolean {
  return body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array || body instanceof ArrayBuffer ||
    body instanceof URLSearchParams;
}

/**
 * `fetch` that follows redirects only within the request's origin. A redirect elsewhere is answered
 * by a response of the same status whose JSON error names where it pointed and what to set: the
 * request, key and headers included, never leaves for the other host.
 */
export async function fetchWithinOrigin(
  fetchImpl: typeof fetch,
  input: string | URL | Request,
  init: RequestInit = {},
  urlVariable?: string,
): Promise<Response> {
  // A Request's body can be read once: read here, it goes as any other body, and a redirect is refused alike.
  if (input instanceof Request) {
    const request = new Request(input, init);
    const body = request.body === null ? undefined : new Uint8Array(await request.arrayBuffer());
    return fetchWithinOrigin(
      fetchImpl,
      request.url,
      { method: request.method, headers: request.headers, body, signal: request.signal },
      urlVariable,
    );
  }
  let url = new URL(String(input));
  let request: RequestInit = { ...init, redirect: "manual" };
  for (let hop = 0;; hop++) {
    const response = await fetchImpl(url.href, request);
    const location = response.headers.get("location");
    if (!REDIRECT_STATUSES.has(response.status) || location === null || hop === MAX_REDIRECTS) return response;
    const next = new URL(location, url);
    if (next.origin !== url.origin) {
      await response.body?.cancel();
      const message = redirectRefusal(url.href, next.href, urlVariable);
      return Response.json({ error: { message, type: "redirect_refused" } }, {
        status: response.status,
        statusText: response.statusText,
        headers: { [REDIRECT_REFUSED_HEADER]: "1" },
      });
    }
    if (!replayable(request.body)) return response;
    await response.body?.cancel();
    // As browsers do: 303, and 301/302 after a POST, continue as a GET without the body.
    if (response.status === 303 || (response.status !== 307 && response.status !== 308 && request.method === "POST")) {
      const { body: _body, ...rest } = request;
      request = { ...rest, method: "GET" };
    }
    url = next;
  }
}
