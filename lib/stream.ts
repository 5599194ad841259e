/**
 * The provider's stream function: picks the model's wire API, hands the request to pi-ai's own
 * stream implementation for it, and removes rejected fields through pi-ai's `onPayload` hook.
 * It parses nothing itself.
 *
 * When the backend rejects a field the policy did not know, and nothing has streamed yet, it drops
 * that field and sends the request again, up to {@link MAX_LEARNING_RETRIES} times.
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
  wireStream,
} from "./pi.ts";
import { type FieldPath, filterPayload } from "./policy.ts";
import { learnableField } from "./rejections.ts";
import type { WireApi } from "./types.ts";

/** The header LiteLLM reads to keep a session on one deployment (its session affinity). */
export const SESSION_HEADER = "x-litellm-session-id";

/** Retries per request, each after learning a different field. */
export const MAX_LEARNING_RETRIES = 3;

/** What the stream function reads at request time. */
export interface StreamDependencies {
  /** The profile of a registered model. */
  profileOf(model: Model<string>): ModelProfile;
  /** Fields dropped on top of the profile's: learned from errors, or configured. Read per request. */
  extraDrops?(profile: ModelProfile): Iterable<FieldPath>;
  /** Called when a rejected field is learned, before the retry. */
  learned?(profile: ModelProfile, field: FieldPath, error: string): void;
  /** pi-ai's stream function per wire API; replaceable in tests. */
  wireStream?: (api: WireApi) => StreamSimple;
}

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
 */
export function createStream(dependencies: StreamDependencies): StreamSimple {
  const streamFor = dependencies.wireStream ?? wireStream;
  return function streamThroughLiteLLM(model, context, options) {
    const profile = dependencies.profileOf(model);
    const target = { ...model, api: profile.wireApi };
    const sessionHeader: Record<string, string> = options?.sessionId ? { [SESSION_HEADER]: options.sessionId } : {};
    const learnedNow: FieldPath[] = [];

    const attempt = (sent: (payload: unknown) => void): AssistantMessageEventStream => {
      const delegated: SimpleStreamOptions = {
        ...options,
        headers: { ...options?.headers, ...sessionHeader },
        onPayload: filteringHook([...dropsFor(profile, dependencies), ...learnedNow], options?.onPayload, sent),
      };
      try {
        return streamFor(profile.wireApi)(target, context, delegated);
      } catch (error) {
        // pi-ai 0.73 throws synchronously for a missing key; pi expects a stream that ends in an error.
        return failedStream(target, error instanceof Error ? error.message : String(error));
      }
    };

    /** Whether an error before any content names a field worth dropping and retrying without. */
    const learnFrom = (error: AssistantMessage, sent: unknown, retries: number): boolean => {
      if (retries >= MAX_LEARNING_RETRIES || options?.signal?.aborted) return false;
      const field = learnableField(error.errorMessage ?? "", sent, profile.wireApi);
      if (field === undefined || learnedNow.includes(field)) return false;
      learnedNow.push(field);
      dependencies.learned?.(profile, field, error.errorMessage ?? "");
      return true;
    };

    const outer = createEventStream();
    const run = (retries: number): void => {
      let sent: unknown;
      // `start` is held back until content arrives, so an error before any content can still be retried.
      let held: StreamEvent | undefined;
      let streaming = false;
      let retried = false;
      tap(attempt((payload) => sent = payload), (event) => {
        if (retried) return;
        if (!streaming) {
          if (event.type === "start") return void (held = event);
          if (event.type === "error" && learnFrom(event.error, sent, retries)) {
            retried = true;
            return run(retries + 1);
          }
          streaming = true;
          if (held) outer.push(held);
        }
        outer.push(event);
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
