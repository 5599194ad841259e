/**
 * Rules backends enforce on a replayed tool turn (signed thinking, thought signatures, reasoning
 * items). An error naming one is not a rejected field: nothing may be learned from it, and thinking
 * is never turned off to get past it. The user gets one line saying which rule and what to do.
 *
 * @module
 */

import type { WireApi } from "../types.ts";

/** One replay rule, recognised by its error text. */
export interface ReplayRule {
  /** A short name for the rule, as the user's line says it. */
  name: string;
  pattern: RegExp;
  /** A message in this phrasing, as tests feed it to the matcher. */
  example: string;
  /** What the user can do about it, with `{model}` standing for the model id. */
  remedy: string;
  /** The public source of the phrasing. */
  source: string;
}

/** The rules, each with the backend's own words. */
export const REPLAY_RULES: readonly ReplayRule[] = [
  {
    name: "Claude with thinking needs the signed thinking block of the tool-call turn replayed",
    pattern:
      /Expected `thinking` or `redacted_thinking`, but found `tool_use`|must start with a thinking block|signature.{0,40}(?:Field required|invalid|Invalid)/,
    example:
      "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block",
    remedy:
      'route {model} over anthropic-messages (settings: litellm.models["{model}"].wireApi), which keeps signatures; if it already is, the proxy drops them on the way (LiteLLM\'s databricks/ provider does, BerriAI/litellm#36931): serve it as anthropic/ instead',
    source: "Anthropic Messages API, quoted in pydantic-ai #2040 and openai-agents-python #1704",
  },
  {
    name: "Gemini needs each function call's thought signature replayed",
    pattern: /missing a thought_signature/,
    example: "Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly",
    remedy:
      "the proxy or another extension changed the tool call id of {model} on the way; LiteLLM keeps the signature in that id (BerriAI/litellm PR #16895)",
    source: "Gemini API, thought signatures (ai.google.dev/gemini-api/docs/thought-signatures)",
  },
  {
    name: "OpenAI Responses needs the reasoning item of a replayed function call",
    pattern: /was provided without its required 'reasoning' item/,
    example: "Item 'fc_1' of type 'function_call' was provided without its required 'reasoning' item: 'rs_1'.",
    remedy: "keep {model} on openai-responses with encrypted reasoning; a proxy that bridges Responses to another API loses the item",
    source: "OpenAI Responses API, store: false with reasoning",
  },
];

/** The replay rule an error message names, if any. */
export function replayRuleOf(message: string): ReplayRule | undefined {
  return REPLAY_RULES.find((rule) => rule.pattern.test(message));
}

/**
 * The one line a user reads when a replayed turn was refused: which model, on which route, which
 * rule, and what to do. The backend's text is left out: the rule says it better in one line.
 *
 * @example
 * ```ts
 * replayFailureLine(REPLAY_RULES[0]!, "claude-sonnet-4-5", "openai-completions").startsWith("LiteLLM: claude-sonnet-4-5");
 * // true
 * ```
 */
export function replayFailureLine(rule: ReplayRule, model: string, wireApi: WireApi): string {
  return `LiteLLM: ${model} over ${wireApi} refused the replayed tool turn (${rule.name}); thinking stays on, nothing was learned; ${
    rule.remedy.replaceAll("{model}", model)
  }`;
}
