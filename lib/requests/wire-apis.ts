/**
 * The wire APIs pi speaks to LiteLLM with, one row each: pi-ai's stream implementation for it, the
 * proxy route it reaches, how the key travels, how the request spells the parameters LiteLLM gates,
 * and what survives a replayed tool turn. A new wire API is a new row; nothing else branches on names.
 *
 * @module
 */

import { azureThroughProxy, piAiStream, type StreamSimple } from "../pi.ts";
import type { WireApi } from "../types.ts";

/** How a wire API's requests spell the OpenAI parameters LiteLLM gates (see `GATED_PARAMS`). */
export type ParamSpelling = "completions" | "responses" | "messages";

/** One row of {@link WIRE_API_TABLE}. */
export interface WireApiRow {
  /** The route LiteLLM serves it on, as users see it in logs. */
  route: string;
  /** The base URL pi-ai's client gets for a proxy root; its SDK appends the rest of the route. */
  baseUrl(root: string): string;
  /** The header that carries the key (LiteLLM accepts each of these on its route). */
  auth: string;
  spelling: ParamSpelling;
  /** pi-ai's own stream for it, looked up at call time (pi's `/reload` resets pi-ai's registry). */
  stream: StreamSimple;
  /** What a replayed tool turn keeps on this route, for the README's route table. */
  replay: string;
  /** The wire API that carries the requests when a proxy does not serve this route (older LiteLLM). */
  fallback?: WireApi;
}

/** The table. Order is the order `/litellm` and the README list them in. */
export const WIRE_API_TABLE: Readonly<Record<WireApi, WireApiRow>> = {
  "anthropic-messages": {
    route: "POST /v1/messages",
    baseUrl: (root) => root,
    auth: "x-api-key",
    spelling: "messages",
    stream: piAiStream("anthropic-messages"),
    replay: "signed and redacted thinking blocks, cache_control markers, images",
    fallback: "openai-completions",
  },
  "openai-completions": {
    route: "POST /v1/chat/completions",
    baseUrl: (root) => `${root}/v1`,
    auth: "Authorization: Bearer",
    spelling: "completions",
    stream: piAiStream("openai-completions"),
    replay: "reasoning text without its signature; tool call ids byte for byte",
  },
  "openai-responses": {
    route: "POST /v1/responses",
    baseUrl: (root) => `${root}/v1`,
    auth: "Authorization: Bearer",
    spelling: "responses",
    stream: piAiStream("openai-responses"),
    replay: "reasoning items with encrypted content (OpenAI models)",
  },
  "azure-openai-responses": {
    route: "POST /v1/responses?api-version=v1",
    baseUrl: (root) => `${root}/v1`,
    // pi-ai's Azure client sends `api-key`; LiteLLM reads `Authorization` first, so both go.
    auth: "api-key and Authorization: Bearer",
    spelling: "responses",
    stream: azureThroughProxy,
    replay: "reasoning items with encrypted content (OpenAI models)",
  },
};

/** pi-ai's stream function for a wire API. */
export function wireStream(api: WireApi): StreamSimple {
  return WIRE_API_TABLE[api].stream;
}
