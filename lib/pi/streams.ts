/**
 * pi-ai's stream functions as the extension calls them, and pi's judgement of a failed turn.
 *
 * - `azure-openai-responses` prefers `AZURE_OPENAI_BASE_URL` over the model's base URL on every pi,
 *   so {@link azureThroughProxy} pins Azure requests to the proxy through the non-simple stream function.
 *
 * @module
 */

import {
  type Api,
  type AssistantMessage,
  type AssistantMessageEventStream,
  clampThinkingLevel,
  type Context,
  createAssistantMessageEventStream,
  getApiProvider,
  type Model,
  type SimpleStreamOptions,
} from "@mariozechner/pi-ai";
import * as piAi from "@mariozechner/pi-ai";

/** A pi-ai simple stream function, the shape pi calls a provider's `streamSimple` with. */
export type StreamSimple = (model: Model<Api>, context: Context, options?: SimpleStreamOptions) => AssistantMessageEventStream;

/**
 * pi 1.x's stream option that hands each parsed provider event (a chat chunk, a Responses event)
 * to the caller; older pi-ai ignores it, so setting it is the feature test.
 */
export type ProviderEventOptions = SimpleStreamOptions & { onProviderStreamEvent?: (event: unknown, model: Model<Api>) => unknown };

/**
 * pi 0.73's turn retry, which pi-ai does not export (pi-coding-agent 0.73 `_isRetryableError`): any
 * of these anywhere in the error text, numbers inside other numbers too.
 */
const PI_073_TURN_RETRY =
  /overloaded|provider.?returned.?error|rate.?limit|too many requests|429|500|502|503|504|service.?unavailable|server.?error|internal.?error|network.?error|connection.?error|connection.?refused|connection.?lost|websocket.?closed|websocket.?error|other side closed|fetch failed|upstream.?connect|reset before headers|socket hang up|ended without|http2 request did not get a response|timed? out|timeout|terminated|retry delay/i;

/**
 * Whether pi would send a turn again that failed with this error text: pi's own judgement where
 * pi-ai exports it (`isRetryableAssistantError`, pi 0.87 and later, which honours non-retryable
 * phrases such as "out of budget"), pi 0.73's pattern otherwise. Context overflows aside (pi
 * compacts those).
 */
export function piResendsTurn(errorMessage: string): boolean {
  const judge =
    (piAi as { isRetryableAssistantError?: (message: { stopReason: string; errorMessage: string }) => boolean }).isRetryableAssistantError;
  if (typeof judge !== "function") return PI_073_TURN_RETRY.test(errorMessage);
  try {
    return judge({ stopReason: "error", errorMessage }) === true;
  } catch {
    return PI_073_TURN_RETRY.test(errorMessage);
  }
}

/** pi 0.73 caps the default output budget at this many tokens; the Azure path applies the same cap. */
const DEFAULT_MAX_TOKENS_CAP = 32_000;

/**
 * The Azure Responses stream pinned to the proxy: pi-ai's simple Azure stream prefers
 * `AZURE_OPENAI_BASE_URL` over the model's base URL, so the non-simple one is called with the proxy.
 */
export const azureThroughProxy: StreamSimple = (model, context, options) => {
  const provider = getApiProvider("azure-openai-responses");
  if (!provider) return failedStream(model, "pi-ai has no azure-openai-responses stream implementation");
  const level = options?.reasoning ? clampThinkingLevel(model, options.reasoning) : undefined;
  return provider.stream(model, context, {
    ...options,
    maxTokens: options?.maxTokens ?? Math.min(model.maxTokens, DEFAULT_MAX_TOKENS_CAP),
    reasoningEffort: level === "off" ? undefined : level,
    azureBaseUrl: model.baseUrl,
    azureDeploymentName: model.id,
    // The Azure client authenticates with `api-key`; LiteLLM reads `Authorization` first.
    headers: { ...options?.headers, ...(options?.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
  } as SimpleStreamOptions);
};

/**
 * pi-ai's simple stream function for an api id, looked up at call time: pi's `/reload` resets the
 * registry, so a function captured at load could be stale.
 */
export function piAiStream(api: Api): StreamSimple {
  return (model, context, options) => {
    const provider = getApiProvider(api);
    if (!provider) return failedStream(model, `pi-ai has no ${api} stream implementation`);
    return provider.streamSimple(model, context, options);
  };
}

/** An assistant message with nothing in it yet, for events that carry no provider output. */
export function emptyAssistantMessage(model: Model<Api>, stopReason: AssistantMessage["stopReason"]): AssistantMessage {
  return {
    role: "assistant",
    content: [],
    api: model.api,
    provider: model.provider,
    model: model.id,
    usage: {
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
      totalTokens: 0,
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    },
    stopReason,
    timestamp: Date.now(),
  };
}

/** A stream that ends at once in one `error` event carrying `message`. */
export function failedStream(model: Model<Api>, message: string): AssistantMessageEventStream {
  const stream = createAssistantMessageEventStream();
  stream.push({ type: "error", reason: "error", error: { ...emptyAssistantMessage(model, "error"), errorMessage: message } });
  stream.end();
  return stream;
}

/** A new, empty event stream to forward events into. */
export function createEventStream(): AssistantMessageEventStream {
  return createAssistantMessageEventStream();
}

type StreamEvent = Parameters<AssistantMessageEventStream["push"]>[0];

/**
 * Receives the events pi-ai pushes into `inner` as it pushes them, in order, instead of iterating
 * it: a relay by `for await` adds a promise and a generator step per event to pi's own. Uses only
 * the stream's public `push`, `end` and iterator: what was pushed before the takeover is read
 * through the iterator up to a marker, and what arrives meanwhile waits its turn.
 */
export function takeOver(inner: AssistantMessageEventStream, onEvent: (event: StreamEvent) => void, onEnd: () => void): void {
  const push = inner.push.bind(inner);
  const arrivedMeanwhile: StreamEvent[] = [];
  let draining = true;
  let endedMeanwhile = false;
  inner.push = (event) => void (draining ? arrivedMeanwhile.push(event) : onEvent(event));
  inner.end = () => void (draining ? endedMeanwhile = true : onEnd());
  const marker = { type: "litellm:drained" } as unknown as StreamEvent;
  push(marker);
  void (async () => {
    let reachedMarker = false;
    for await (const event of inner) {
      if (event === marker) {
        reachedMarker = true;
        break;
      }
      onEvent(event);
    }
    draining = false;
    for (const event of arrivedMeanwhile) onEvent(event);
    // No marker: the stream had ended before the takeover, and its queue was all there was.
    if (endedMeanwhile || !reachedMarker) onEnd();
  })();
}
