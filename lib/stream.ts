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
export function dropsFor(profile: ModelProfile, dependencies: Pick<StreamDependencies, "extraDrops">): FieldPath[] {
  return [...new Set([...profile.drop.keys(), ...(dependencies.extraDrops?.(profile) ?? [])])];
}

/**
 * Forwards events, holding `start` back until content arrives, so that an error before any content
 * can still be retried. Resolves `"retry"` when `retryOn` accepts such an error.
 */
async function relay(
  inner: AssistantMessageEventStream,
  outer: AssistantMessageEventStream,
  retryOn: (error: AssistantMessage) => boolean,
): Promise<"done" | "retry"> {
  let held: Parameters<AssistantMessageEventStream["push"]>[0] | undefined;
  let streaming = false;
  for await (const event of inner) {
    if (!streaming) {
      if (event.type === "start") {
        held = event;
        continue;
      }
      if (event.type === "error" && retryOn(event.error)) return "retry";
      streaming = true;
      if (held) outer.push(held);
    }
    outer.push(event);
  }
  if (!streaming && held) outer.push(held);
  return "done";
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

    const outer = createEventStream();
    void (async () => {
      for (let retries = 0;; retries++) {
        let sent: unknown;
        const inner = attempt((payload) => sent = payload);
        const outcome = await relay(inner, outer, (error) => {
          if (retries >= MAX_LEARNING_RETRIES || options?.signal?.aborted) return false;
          const field = learnableField(error.errorMessage ?? "", sent, profile.wireApi);
          if (field === undefined || learnedNow.includes(field)) return false;
          learnedNow.push(field);
          dependencies.learned?.(profile, field, error.errorMessage ?? "");
          return true;
        });
        if (outcome === "done") break;
      }
      outer.end();
    })();
    return outer;
  };
}
