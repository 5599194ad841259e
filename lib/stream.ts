/**
 * The provider's stream function: picks the model's wire API, hands the request to pi-ai's own
 * stream implementation for it, and removes rejected fields through pi-ai's `onPayload` hook.
 * It parses nothing itself.
 *
 * When the backend rejects a field the policy did not know, and nothing has streamed yet, it drops
 * that field and sends the request again, up to {@link MAX_LEARNING_RETRIES} times; when the proxy
 * does not serve a route, the wire API's fallback carries the request instead.
 *
 * @module
 */

import type { ModelProfile } from "./models.ts";
import {
  type AssistantMessage,
  type AssistantMessageEventStream,
  createEventStream,
  failedStream,
  type Model,
  type SimpleStreamOptions,
  type StreamSimple,
} from "./pi.ts";
import { type FieldPath, filterPayload } from "./policy.ts";
import { learnableField } from "./rejections.ts";
import { replayFailureLine, replayRuleOf } from "./replay-rules.ts";
import type { WireApi } from "./types.ts";
import { WIRE_API_TABLE, wireStream } from "./wire-apis.ts";

/** The header LiteLLM reads to keep a session on one deployment (its session affinity). */
export const SESSION_HEADER = "x-litellm-session-id";

/** Retries per request, each after learning a different field. */
export const MAX_LEARNING_RETRIES = 3;

/** What the stream function reads at request time. */
export interface StreamDependencies {
  /** The profile of a registered model, read afresh per attempt: a fallback re-registers it. */
  profileOf(model: Model<string>): ModelProfile;
  /** The proxy root each wire API's base URL is built from; the model's own base URL otherwise. */
  root?: string;
  /** Fields dropped on top of the profile's: learned from errors, or configured. Read per request. */
  extraDrops?(profile: ModelProfile): Iterable<FieldPath>;
  /** Called when a rejected field is learned, before the retry. */
  learned?(profile: ModelProfile, field: FieldPath, error: string): void;
  /** Called when the proxy answered that it does not serve a wire API's route at all (404). */
  unserved?(wireApi: WireApi): void;
  /** pi-ai's stream function per wire API; replaceable in tests. */
  wireStream?: (api: WireApi) => StreamSimple;
}

/** FastAPI's answer for a route the proxy does not have, as pi-ai's clients report it. */
const ROUTE_NOT_SERVED = /^404\b[^]*"detail"\s*:\s*"Not Found"/;

type PayloadHook = NonNullable<SimpleStreamOptions["onPayload"]>;

/**
 * An `onPayload` hook that filters the payload, lets the caller's hook (pi's
 * `before_provider_request`) see the filtered payload, and filters its replacement again, so no
 * other extension can put a rejected field back. `sent` receives what goes on the wire.
 */
export function filteringHook(drop: readonly FieldPath[], callerHook?: PayloadHook, sent?: (payload: unknown) => void): PayloadHook {
  return async (payload, model) => {
    let result = filterPayload(payload, drop);
    if (callerHook) {
      const replaced = await callerHook(result, model);
      if (replaced !== undefined) result = filterPayload(replaced, drop);
    }
    sent?.(result);
    return result;
  };
}

/** The fields dropped for a profile now: the policy's, then the extra ones, without repeats. */
function dropsFor(profile: ModelProfile, dependencies: Pick<StreamDependencies, "extraDrops">): FieldPath[] {
  return [...new Set([...profile.drop.keys(), ...(dependencies.extraDrops?.(profile) ?? [])])];
}

type StreamEvent = Parameters<AssistantMessageEventStream["push"]>[0];

/**
 * Receives the events pi-ai pushes into `inner` synchronously, in order, instead of iterating it:
 * iterating would add an awaited hop per event on top of pi's own. Uses only the stream's public
 * `push`, `end` and iterator: events pushed before the takeover are drained through the iterator up
 * to a sentinel, and what arrives meanwhile waits its turn.
 */
export function tap(inner: AssistantMessageEventStream, onEvent: (event: StreamEvent) => void, onEnd: () => void): void {
  const push = inner.push.bind(inner);
  const waiting: StreamEvent[] = [];
  let draining = true;
  let endedWhileDraining = false;
  inner.push = (event) => {
    if (draining) waiting.push(event);
    else onEvent(event);
  };
  inner.end = () => {
    if (draining) endedWhileDraining = true;
    else onEnd();
  };
  const sentinel = { type: "litellm:drained" } as unknown as StreamEvent;
  push(sentinel);
  void (async () => {
    let reachedSentinel = false;
    for await (const event of inner) {
      if (event === sentinel) {
        reachedSentinel = true;
        break;
      }
      onEvent(event);
    }
    draining = false;
    for (const event of waiting) onEvent(event);
    // No sentinel: the stream had already ended before the takeover, its queue is all there was.
    if (endedWhileDraining || !reachedSentinel) onEnd();
  })();
}

/**
 * Creates the `streamSimple` registered with pi. The model pi passes carries the extension's own
 * api id; the model pi-ai sees carries the real wire API, so replayed history stays consistent.
 *
 * Before any content arrives, an error may still be answered by sending again: without a field the
 * backend named (learning), or over the fallback route when the proxy does not serve this one. An
 * error naming a replay rule is never answered that way; it becomes one line saying what to do.
 */
export function createStream(dependencies: StreamDependencies): StreamSimple {
  const streamFor = dependencies.wireStream ?? wireStream;
  return function streamThroughLiteLLM(model, context, options) {
    const sessionHeader: Record<string, string> = options?.sessionId ? { [SESSION_HEADER]: options.sessionId } : {};
    const learnedNow: FieldPath[] = [];

    const attempt = (profile: ModelProfile, sent: (payload: unknown) => void): AssistantMessageEventStream => {
      const wireApi = profile.wireApi;
      const baseUrl = dependencies.root === undefined ? model.baseUrl : WIRE_API_TABLE[wireApi].baseUrl(dependencies.root);
      const target = { ...model, api: wireApi, baseUrl };
      const delegated: SimpleStreamOptions = {
        ...options,
        headers: { ...options?.headers, ...sessionHeader },
        onPayload: filteringHook([...dropsFor(profile, dependencies), ...learnedNow], options?.onPayload, sent),
      };
      try {
        return streamFor(wireApi)(target, context, delegated);
      } catch (error) {
        // pi-ai 0.73 throws synchronously for a missing key; pi expects a stream that ends in an error.
        return failedStream(target, error instanceof Error ? error.message : String(error));
      }
    };

    /** Whether an error before any content is worth sending again, and changes what is sent if so. */
    const answerable = (profile: ModelProfile, error: AssistantMessage, sent: unknown, retries: number): boolean => {
      if (retries >= MAX_LEARNING_RETRIES || options?.signal?.aborted) return false;
      const message = error.errorMessage ?? "";
      if (ROUTE_NOT_SERVED.test(message) && WIRE_API_TABLE[profile.wireApi].fallback && dependencies.unserved) {
        dependencies.unserved(profile.wireApi);
        return dependencies.profileOf(model).wireApi !== profile.wireApi;
      }
      const field = learnableField(message, sent, profile.wireApi);
      if (field === undefined || learnedNow.includes(field)) return false;
      learnedNow.push(field);
      dependencies.learned?.(profile, field, message);
      return true;
    };

    /** The error pi receives: a replay rule's one line instead of the backend's paragraph. */
    const explained = (profile: ModelProfile, event: StreamEvent): StreamEvent => {
      if (event.type !== "error") return event;
      const rule = replayRuleOf(event.error.errorMessage ?? "");
      return rule ? { ...event, error: { ...event.error, errorMessage: replayFailureLine(rule, model.id, profile.wireApi) } } : event;
    };

    const outer = createEventStream();
    const run = (retries: number): void => {
      const profile = dependencies.profileOf(model);
      let sent: unknown;
      // `start` is held back until content arrives, so an error before any content can still be retried.
      let held: StreamEvent | undefined;
      let streaming = false;
      let retried = false;
      tap(attempt(profile, (payload) => sent = payload), (event) => {
        if (retried) return;
        if (!streaming) {
          if (event.type === "start") return void (held = event);
          if (event.type === "error" && answerable(profile, event.error, sent, retries)) {
            retried = true;
            return run(retries + 1);
          }
          streaming = true;
          if (held) outer.push(held);
        }
        outer.push(explained(profile, event));
      }, () => {
        if (retried) return;
        if (!streaming && held) outer.push(held);
        outer.end();
      });
    };
    run(0);
    return outer;
  };
}
