/**
 * LiteLLM's errors as pi-ai reports them, unwrapped to what the backend (or LiteLLM itself) said,
 * and the waits they name.
 *
 * pi-ai's clients print an error in their own frame, which differs per client and pi version:
 * `429 litellm.RateLimitError: …` (OpenAI client, pi 0.73), `429: {"message":…,"type":…}` and
 * `litellm API error (429): {…}` (pi 0.87 and 1.x), `429 {"type":"error","error":{…}}` (Anthropic
 * client). Inside is LiteLLM's envelope, its exception classes (`litellm.RateLimitError: `), the
 * provider's prefix (`AzureException RateLimitError - `), the backend's body (JSON, sometimes a
 * Python bytes literal, sometimes JSON in a string in JSON) and LiteLLM's tail (`LiteLLM: model
 * group 'x' failed with the error above…`, `Received Model Group=…`). Frames, prefixes and tails
 * are tables below; the reading takes them off, outside in.
 *
 * @module
 */

/** An error as LiteLLM sent it, taken apart. */
export interface ProxyError {
  /** The HTTP status the client names. */
  status?: number;
  /** LiteLLM's `error.type`, or `litellm_error_type` in the Anthropic envelope (LiteLLM 1.110). */
  type?: string;
  /** LiteLLM's exception classes, outermost first: `["BadRequestError", "ContextWindowExceededError"]`. */
  classes: string[];
  /** The provider LiteLLM names the backend by (`Azure`, `Anthropic`, `Databricks`, `Hosted_vllm`…). */
  provider?: string;
  /** What the backend, or LiteLLM itself, said: one line, no JSON around it, no LiteLLM prefix or tail. */
  message: string;
}

/** How pi-ai's clients frame an error's status and body, by pi version and client. */
const CLIENT_FRAMES: readonly RegExp[] = [
  // pi 0.87 and 1.x, Responses: `<provider> API error (429): {…}`.
  /^[\w.:-]+ API error \((\d{3})\):\s*([^]*)$/,
  // pi 0.87 and 1.x, Chat Completions: `429: {…}`.
  /^(\d{3}):\s*([^]*)$/,
  // The OpenAI client of pi 0.73 and the Anthropic client: `429 …`.
  /^(\d{3})\s+([^]*)$/,
];

/** The tails LiteLLM appends to a message: they say what the proxy tried, not what went wrong. */
const LITELLM_TAILS: readonly RegExp[] = [
  /\s*LiteLLM: model group '[^']*' failed with the error above\.[^]*$/,
  /\.?\s*Received Model Group=[^]*$/,
  /\s*Available Model Group Fallbacks=[^]*$/,
  /\s*LiteLLM Retried: \d+ times?, LiteLLM Max Retries: \d+\s*$/,
];

/** LiteLLM's exception class at the start of a message: `litellm.RateLimitError: ` (also `litellm. X: `). */
const LITELLM_CLASS = /^litellm\.\s?(\w+):\s*/;

/** The provider's prefix: `AzureException RateLimitError - `, `AnthropicException - `, after an optional bare class. */
const PROVIDER_PREFIX = /^(?:\w+Error:\s*)?(\w+?)Exception(?:\s+\w+Error)?\s+-\s+/;

/** The fields a JSON error body keeps its text in, in the order they are read. */
const MESSAGE_FIELDS = ["message", "msg", "detail", "error_message", "error"] as const;

type Raw = Record<string, unknown>;
const isRecord = (value: unknown): value is Raw => value !== null && typeof value === "object" && !Array.isArray(value);

/** JSON in a text, or `undefined`; a Python bytes literal (`b'{…}'`) is read as its content. */
function parsed(text: string): unknown {
  const trimmed = text.trim();
  const bytes = /^b'([^]*)'$/.exec(trimmed)?.[1];
  const candidate = bytes === undefined ? trimmed : bytes.replace(/\\'/g, "'").replace(/\\\\/g, "\\");
  if (!/^[{[]/.test(candidate)) return undefined;
  try {
    return JSON.parse(candidate);
  } catch {
    return undefined;
  }
}

/** The error object of an envelope: Anthropic's `{type:"error",error:{…}}`, OpenAI's `{error:{…}}`, or the object itself. */
function errorObject(body: Raw): Raw {
  return isRecord(body.error) ? body.error : body;
}

/**
 * The innermost text of a body: JSON in strings in JSON is read until a plain text remains. A list
 * of validation errors (vLLM's, pydantic's) reads as each one's location and text.
 */
function innermost(value: unknown, depth = 0): string | undefined {
  if (depth > 8) return undefined;
  if (typeof value === "string") {
    const inner = parsed(value);
    if (inner !== undefined) return innermost(inner, depth + 1) ?? value;
    // JSON whose inner quotes went unescaped (Databricks: `{"error":"Bad request: parameter "x" must be…"}`).
    return /^\{\s*"(?:error|message)"\s*:\s*"([^]*)"\s*\}$/.exec(value.trim())?.[1] ?? value;
  }
  if (Array.isArray(value)) {
    const parts = value.map((item) => {
      const text = innermost(item, depth + 1);
      const at = isRecord(item) && Array.isArray(item.loc) ? `${item.loc.filter((part) => part !== "body").join(".")}: ` : "";
      return text === undefined ? undefined : `${at}${text}`;
    }).filter((part): part is string => part !== undefined);
    return parts.length > 0 ? parts.join("; ") : undefined;
  }
  if (!isRecord(value)) return undefined;
  const error = errorObject(value);
  for (const field of MESSAGE_FIELDS) {
    if (error[field] === undefined) continue;
    const text = innermost(error[field], depth + 1);
    if (text !== undefined) return text;
  }
  return undefined;
}

/**
 * Takes LiteLLM's wrapping off one message: the tails, its exception classes, the provider's
 * prefix; what remains is the backend's body or text, read to its innermost text.
 */
function unwrapMessage(message: string, found: { classes: string[]; provider?: string }, depth = 0): string {
  let text = message;
  for (const tail of LITELLM_TAILS) text = text.replace(tail, "");
  for (let match = LITELLM_CLASS.exec(text); match; match = LITELLM_CLASS.exec(text)) {
    found.classes.push(match[1]!);
    text = text.slice(match[0].length);
  }
  const prefix = PROVIDER_PREFIX.exec(text);
  if (prefix) {
    found.provider = prefix[1];
    text = text.slice(prefix[0].length);
  }
  // The backend's body may end in LiteLLM's tail of its own, and hold LiteLLM's wrapping again.
  const inner = innermost(text) ?? text;
  return inner === text || depth > 8 ? text : unwrapMessage(inner, found, depth + 1);
}

/**
 * Reads an error text as pi-ai reports it.
 *
 * @example
 * ```ts
 * const error = readProxyError('429: {"message":"litellm.RateLimitError: AzureException RateLimitError - Rate limit reached for gpt-5.\\n\\nLiteLLM: model group \'gpt-5\' failed with the error above. No fallback was attempted.","type":"throttling_error","code":"429"}');
 * error.message; // "Rate limit reached for gpt-5."
 * error.type; // "throttling_error"
 * ```
 */
export function readProxyError(text: string): ProxyError {
  let status: number | undefined;
  let body = text.trim();
  for (const frame of CLIENT_FRAMES) {
    const match = frame.exec(body);
    if (!match) continue;
    status = Number(match[1]);
    body = match[2]!;
    break;
  }
  const found: { classes: string[]; provider?: string } = { classes: [] };
  let type: string | undefined;
  const json = parsed(body);
  let message = body;
  if (isRecord(json)) {
    const error = errorObject(json);
    const litellmType = error.litellm_error_type;
    type = typeof litellmType === "string"
      ? litellmType
      : typeof error.type === "string" && error.type !== "error"
      ? error.type
      : undefined;
    message = innermost(json) ?? body;
  }
  const unwrapped = unwrapMessage(message, found).replace(/\s+/g, " ").trim();
  return {
    ...(status === undefined ? {} : { status }),
    ...(type === undefined ? {} : { type }),
    classes: found.classes,
    ...(found.provider ? { provider: found.provider } : {}),
    message: unwrapped,
  };
}

/** The first group of a pattern in a text, trimmed. */
export const capture = (text: string, pattern: RegExp): string | undefined => pattern.exec(text)?.[1]?.trim();

/** How LiteLLM asks to wait, in milliseconds: "Try again in N seconds" or "Limit resets at: …". */
export function waitOf(text: string, now = Date.now()): number | undefined {
  const seconds = capture(text, /Try again in (\d+(?:\.\d+)?) seconds?/i);
  if (seconds !== undefined) return Number(seconds) * 1000;
  const reset = capture(text, /Limit resets at:\s*([0-9-]+ [0-9:]+(?: UTC)?)/i);
  if (reset === undefined) return undefined;
  const at = Date.parse(reset.replace(" UTC", "Z").replace(" ", "T"));
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** How long a backend asks to wait in its own words ("Please retry after 20 seconds"), in milliseconds. */
export function backendWaitOf(message: string): number | undefined {
  const seconds = capture(message, /retry after (\d+(?:\.\d+)?) seconds?/i) ??
    capture(message, /try again in (\d+(?:\.\d+)?)\s*s(?:econds?)?\b/i);
  return seconds === undefined ? undefined : Number(seconds) * 1000;
}
