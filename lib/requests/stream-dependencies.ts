/**
 * What the stream function is given: a registered model's profile, and what it reads from the
 * provider at request time (its key, its notices, its spend meter, its diagnosis). The provider
 * builds these; the stream only reads them.
 *
 * @module
 */

import type { Model, StreamSimple } from "../pi.ts";
import type { WireApi } from "../types.ts";
import type { ConnectionCause } from "./error-kinds.ts";
import type { DropList, FieldPath } from "./policy.ts";
import type { SpentTurn } from "./spend.ts";

/**
 * What the stream function reads of a model's profile (the catalog builds the whole of it): the
 * wire API that carries its requests and the fields its policy drops.
 */
export interface StreamProfile {
  id: string;
  wireApi: WireApi;
  drop: DropList;
}

/** What the stream function reads at request time. */
export interface StreamDependencies {
  /** Why the provider may not send now (replaced, or its project's trust not confirmed), read per request. */
  barred?(): string | undefined;
  /** The profile of a registered model, read afresh per attempt: a fallback re-registers it. */
  profileOf(model: Model<string>): StreamProfile;
  /** The proxy root each wire API's base URL is built from; the model's own base URL otherwise. */
  root?: string;
  /** Fields dropped on top of the profile's: learned from errors, or configured. Read per request. */
  extraDrops?(profile: StreamProfile): Iterable<FieldPath>;
  /**
   * Called when a rejected field is learned: once the request sent without it has started to
   * answer, so a rule the retry did not prove is never kept.
   */
  learned?(profile: StreamProfile, field: FieldPath, error: string): void;
  /** Called when the proxy answered that it does not serve a wire API's route at all (404). */
  unserved?(wireApi: WireApi): void;
  /** Called when the proxy says the model is unknown or not allowed: the catalog may be stale. */
  stale?(modelId: string): void;
  /** Called with a line print mode would otherwise not show (an overflow pi handles itself). */
  printModeNote?(line: string): void;
  /**
   * The key a request carries, given the one pi looked up. pi puts a key stored by `/login` before
   * the provider's own, and keeps a key an earlier registration gave: the provider swaps such keys
   * for its own. Unset, pi's key is sent.
   */
  keyFor?(fromPi: string | undefined): string | undefined;
  /** The variable or setting the key comes from, for lines about the key. */
  keyVariable?: string;
  /** The variable or setting the proxy URL comes from, for lines about reaching it. */
  urlVariable?: string;
  /** Values never to show: the key, and configured secret headers. */
  secrets?: readonly (string | undefined)[];
  /** Called with each answer's headers (the key's spend and budget, rate limits). */
  answered?(headers: Readonly<Record<string, string>>): void;
  /** Called when a turn has ended: its model, tokens and cost, and whether the cost is LiteLLM's own. */
  turnEnded?(turn: SpentTurn): void;
  /**
   * Why the proxy cannot be reached, found out when a request could not connect: pi-ai's clients
   * say only "Connection error.".
   */
  diagnose?(): Promise<ConnectionCause>;
  /** pi-ai's stream function per wire API; replaceable in tests. */
  wireStream?: (api: WireApi) => StreamSimple;
}
