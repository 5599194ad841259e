/**
 * The provider's stream function: picks the model's wire API, hands the request to pi-ai's own
 * stream implementation for it, and removes rejected fields through pi-ai's `onPayload` hook. It
 * parses no stream itself: it reads pi-ai's events, and the error texts pi-ai reports.
 *
 * When the backend rejects a field the policy did not know, and nothing has streamed yet, it drops
 * that field and sends the request again (`resend.ts` says how often and after how long); when the
 * proxy does not serve a route, the wire API's fallback carries the request instead.
 *
 * @module
 */

import {
  type AssistantMessage,
  type AssistantMessageEventStream,
  createEventStream,
  emptyAssistantMessage,
  failedStream,
  type ProviderEventOptions,
  type StreamSimple,
  takeOver,
} from "../pi.ts";
import { type FieldPath, filteringHook } from "./policy.ts";
import type { StreamDependencies, StreamProfile } from "./stream-dependencies.ts";
import { type ConnectionCause, errorKindOf } from "./error-kinds.ts";
import { errorLine } from "./error-line.ts";
import { forgetObserver, type Observed, observerHeaders } from "./proxy-fetch.ts";
import { AnsweredTurns, MAX_RESENDS, resendWait, wait } from "./resend.ts";
import { eventCost, headerCost, splitCost } from "./spend.ts";
import { piResendsTurn } from "../pi.ts";
import { redact } from "../secrets.ts";
import { learnableField } from "./rejections.ts";
import { WIRE_API_TABLE, wireStream } from "./wire-apis.ts";

/** The header LiteLLM reads to keep a session on one deployment (its session affinity). */
export const SESSION_HEADER = "x-litellm-session-id";

/** Runs a callback of the provider's; a failing one must not leave pi's stream open. */
function quietly(callback: () => void): void {
  try {
    callback();
  } catch {
    // The request's own outcome still reaches pi; a notice or a cache write is not worth losing it.
  }
}

/** FastAPI's answer for a route the proxy does not have, as pi-ai's clients report it. */
const ROUTE_NOT_SERVED = /^404\b[^]*"detail"\s*:\s*"Not Found"/;

/** The fields dropped for a profile now: the policy's, then the extra ones, without repeats. */
function dropsFor(profile: StreamProfile, dependencies: Pick<StreamDependencies, "extraDrops">): FieldPath[] {
  return [...new Set([...profile.drop.keys(), ...(dependencies.extraDrops?.(profile) ?? [])])];
}

type StreamEvent = Parameters<AssistantMessageEventStream["push"]>[0];

/**
 * Where one attempt stands toward pi. Before content its `start` is held back and nothing has
 * reached pi, so an error can still be answered by sending again; once content (or a final error)
 * arrives, every event goes to pi as it comes, and nothing is sent again.
 */
type AttemptPhase = { phase: "before-content"; start?: StreamEvent } | { phase: "streaming" };

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
  const answered = new AnsweredTurns();
  return function streamThroughLiteLLM(model, context, options) {
    const barred = dependencies.barred?.();
    if (barred) return failedStream(model, barred);
    const earlier = answered.again(model.id, context);
    if (earlier !== undefined) return failedStream(model, earlier);
    const sessionHeader: Record<string, string> = options?.sessionId ? { [SESSION_HEADER]: options.sessionId } : {};
    const learnedNow: FieldPath[] = [];
    /** Fields dropped for this request, kept as rules only once a request without them answers. */
    const unproven: { profile: StreamProfile; field: FieldPath; error: string }[] = [];
    /** What LiteLLM says this request cost, when it says. */
    let turnCost: number | undefined;
    /** What the current attempt's answer said besides its content: its headers, the cost in its last events. */
    let observed: Observed = {};
    /** The header that has the guard observe the current attempt, forgotten once the attempt is over. */
    let observer: Record<string, string> = {};
    let waited = false;

    const attempt = (profile: StreamProfile, sent: (payload: unknown) => void): AssistantMessageEventStream => {
      const wireApi = profile.wireApi;
      const baseUrl = dependencies.root === undefined ? model.baseUrl : WIRE_API_TABLE[wireApi].baseUrl(dependencies.root);
      const target = { ...model, api: wireApi, baseUrl };
      observed = {};
      observer = observerHeaders(observed, baseUrl);
      const delegated: ProviderEventOptions = {
        ...options,
        ...(dependencies.keyFor ? { apiKey: dependencies.keyFor(options?.apiKey) } : {}),
        // pi-ai's clients would resend a 429 or 5xx by themselves, whatever it was; the kind decides here.
        maxRetries: 0,
        headers: { ...options?.headers, ...sessionHeader, ...observer },
        onPayload: filteringHook([...dropsFor(profile, dependencies), ...learnedNow], options?.onPayload, sent),
        onResponse: async (response, responseModel) => {
          turnCost = headerCost(response.headers) ?? turnCost;
          quietly(() => dependencies.answered?.(response.headers));
          await options?.onResponse?.(response, responseModel);
        },
        // pi 1.x hands each parsed provider event here; a stream's last chunk carries LiteLLM's cost.
        onProviderStreamEvent: async (event, eventModel) => {
          turnCost = eventCost(event) ?? turnCost;
          await (options as ProviderEventOptions | undefined)?.onProviderStreamEvent?.(event, eventModel);
        },
      };
      try {
        return streamFor(wireApi)(target, context, delegated);
      } catch (error) {
        // pi-ai 0.73 throws synchronously for a missing key; pi expects a stream that ends in an error.
        return failedStream(target, error instanceof Error ? error.message : String(error));
      }
    };

    /**
     * How long to wait before sending an error's request again, changing what is sent if needed, or
     * `undefined` when it is not sent again: a route the proxy lacks takes its fallback, a rejected
     * field is dropped, and a throttle or cooldown is waited out when LiteLLM says for how long.
     */
    const resendAfter = (profile: StreamProfile, error: AssistantMessage, sent: unknown, retries: number): number | undefined => {
      if (retries >= MAX_RESENDS || options?.signal?.aborted) return undefined;
      const message = error.errorMessage ?? "";
      if (ROUTE_NOT_SERVED.test(message) && WIRE_API_TABLE[profile.wireApi].fallback && dependencies.unserved) {
        quietly(() => dependencies.unserved!(profile.wireApi));
        return dependencies.profileOf(model).wireApi !== profile.wireApi ? 0 : undefined;
      }
      // A field the backend named goes first: sent without it, the request may simply answer.
      const field = learnableField(message, sent, profile.wireApi);
      if (field !== undefined && !learnedNow.includes(field)) {
        learnedNow.push(field);
        unproven.push({ profile, field, error: message });
        return 0;
      }
      // Once at most: LiteLLM already answered for itself, or already retried the backend.
      const ms = resendWait(errorKindOf(message), message, observed, waited);
      if (ms !== undefined) waited = true;
      return ms;
    };

    /** The event pi receives: an error as {@link errorLine} puts it, remembered when pi would send its turn again. */
    const explained = (profile: StreamProfile, event: StreamEvent, beforeContent: boolean, cause?: ConnectionCause): StreamEvent => {
      if (event.type !== "error") return event;
      const about = {
        model: model.id,
        baseUrl: dependencies.root ?? model.baseUrl,
        keyVariable: dependencies.keyVariable ?? "LITELLM_API_KEY",
        urlVariable: dependencies.urlVariable ?? "LITELLM_BASE_URL",
        again: waited,
        ...(cause ? { cause } : {}),
      };
      const said = errorLine(event.error.errorMessage ?? "", {
        about,
        wireApi: profile.wireApi,
        beforeContent,
        secrets: dependencies.secrets ?? [],
      });
      if (said.staleCatalog) quietly(() => dependencies.stale?.(model.id));
      if (said.printModeNote) quietly(() => dependencies.printModeNote?.(said.printModeNote!));
      if (said.final && piResendsTurn(said.line)) answered.remember(model.id, context, said.line);
      return { ...event, error: { ...event.error, errorMessage: said.line } };
    };

    /** A connection failure is worth one probe of the proxy: the line then names the real cause. */
    const needsDiagnosis = (event: StreamEvent) =>
      event.type === "error" && dependencies.diagnose !== undefined && errorKindOf(event.error.errorMessage ?? "")?.kind === "unreachable";

    const outer = createEventStream();
    /** Settles once the last event is out; `end` waits for it (a diagnosis takes a request). */
    let lastEvent: Promise<void> = Promise.resolve();

    /** Hands pi one event of an attempt that is streaming: with LiteLLM's cost, explained, diagnosed. */
    const deliver = (profile: StreamProfile, event: StreamEvent, beforeContent: boolean): void => {
      const cost = observed.cost ?? turnCost;
      if (event.type === "done" && cost !== undefined) event.message.usage.cost = splitCost(cost, event.message.usage, model.cost);
      if (event.type === "done") {
        const { input, output, cacheRead, cacheWrite } = event.message.usage;
        const turn = {
          model: model.id,
          usage: { input, output, cacheRead, cacheWrite },
          cost: event.message.usage.cost.total,
          fromLiteLLM: cost !== undefined,
        };
        quietly(() => dependencies.turnEnded?.(turn));
      }
      if (!needsDiagnosis(event)) return outer.push(explained(profile, event, beforeContent));
      lastEvent = dependencies.diagnose!().then(
        (cause) => outer.push(explained(profile, event, beforeContent, cause)),
        () => outer.push(explained(profile, event, beforeContent)),
      );
    };

    const aborted = () => {
      outer.push({
        type: "error",
        reason: "aborted",
        error: { ...emptyAssistantMessage(model, "aborted"), errorMessage: "Request was aborted" },
      });
      outer.end();
    };

    /** One attempt, each event handed on as pi-ai pushes it; an error before any content may start the next one instead. */
    const run = (retries: number): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        const profile = dependencies.profileOf(model);
        let sent: unknown;
        let phase: AttemptPhase = { phase: "before-content" };
        /** Set once the attempt is over (ended, answered by the next one, or failed): the rest of its events are not pi's. */
        let over = false;
        /** Ends the attempt; its observer goes with it, whether or not its request was ever sent. */
        const close = () => {
          over = true;
          forgetObserver(observer);
        };
        const fail = (error: unknown) => {
          close();
          reject(error);
        };
        const onEvent = (event: StreamEvent) => {
          if (over) return;
          try {
            const beforeContent = phase.phase === "before-content";
            if (phase.phase === "before-content") {
              if (event.type === "start") return void (phase = { phase: "before-content", start: event });
              const delay = event.type === "error" ? resendAfter(profile, event.error, sent, retries) : undefined;
              if (delay !== undefined) {
                close();
                const again = async () => {
                  if (delay > 0) await wait(delay, options?.signal).catch(() => "aborted");
                  return options?.signal?.aborted ? aborted() : run(retries + 1);
                };
                return void again().then(resolve, reject);
              }
              if (phase.start) outer.push(phase.start);
              phase = { phase: "streaming" };
              // The request without the learned fields answered: they become rules.
              if (event.type !== "error") {
                for (const rule of unproven.splice(0)) quietly(() => dependencies.learned?.(rule.profile, rule.field, rule.error));
              }
            }
            deliver(profile, event, beforeContent);
          } catch (error) {
            fail(error);
          }
        };
        const onEnd = () => {
          if (over) return;
          close();
          if (phase.phase === "before-content" && phase.start) outer.push(phase.start);
          lastEvent.then(() => outer.end()).then(resolve, reject);
        };
        takeOver(attempt(profile, (payload) => sent = payload), onEvent, onEnd);
      });
    run(0).catch((error: unknown) => {
      outer.push({
        type: "error",
        reason: "error",
        error: { ...emptyAssistantMessage(model, "error"), errorMessage: redact(String(error), dependencies.secrets ?? []) },
      });
      outer.end();
    });
    return outer;
  };
}
