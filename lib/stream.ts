/**
 * The provider's stream function: picks the model's wire API, hands the request to pi-ai's own
 * stream implementation for it, and removes rejected fields through pi-ai's `onPayload` hook.
 * It parses nothing itself.
 *
 * @module
 */

import type { ModelProfile } from "./models.ts";
import { failedStream, type Model, type SimpleStreamOptions, type StreamSimple, wireStream } from "./pi.ts";
import { type FieldPath, filterPayload } from "./policy.ts";
import type { WireApi } from "./types.ts";

/** The header LiteLLM reads to keep a session on one deployment (its session affinity). */
export const SESSION_HEADER = "x-litellm-session-id";

/** What the stream function reads at request time. */
export interface StreamDependencies {
  /** The profile of a registered model. */
  profileOf(model: Model<string>): ModelProfile;
  /** Fields dropped on top of the profile's: learned from errors, or configured. Read per request. */
  extraDrops?(profile: ModelProfile): Iterable<FieldPath>;
  /** pi-ai's stream function per wire API; replaceable in tests. */
  wireStream?: (api: WireApi) => StreamSimple;
}

type PayloadHook = NonNullable<SimpleStreamOptions["onPayload"]>;

/**
 * An `onPayload` hook that filters the payload, lets the caller's hook (pi's
 * `before_provider_request`) see the filtered payload, and filters its replacement again, so no
 * other extension can put a rejected field back.
 */
export function filteringHook(drop: readonly FieldPath[], callerHook?: PayloadHook): PayloadHook {
  return async (payload, model) => {
    const filtered = filterPayload(payload, drop);
    if (!callerHook) return filtered;
    const replaced = await callerHook(filtered, model);
    return replaced === undefined ? filtered : filterPayload(replaced, drop);
  };
}

/** The fields dropped for a profile now: the policy's, then the extra ones, without repeats. */
export function dropsFor(profile: ModelProfile, dependencies: Pick<StreamDependencies, "extraDrops">): FieldPath[] {
  return [...new Set([...profile.drop.keys(), ...(dependencies.extraDrops?.(profile) ?? [])])];
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
    const delegated: SimpleStreamOptions = {
      ...options,
      headers: { ...options?.headers, ...sessionHeader },
      onPayload: filteringHook(dropsFor(profile, dependencies), options?.onPayload),
    };
    try {
      return streamFor(profile.wireApi)(target, context, delegated);
    } catch (error) {
      // pi-ai 0.73 throws synchronously for a missing key; pi expects a stream that ends in an error.
      return failedStream(target, error instanceof Error ? error.message : String(error));
    }
  };
}
