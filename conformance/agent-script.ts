/**
 * The scripted agent turn the fakes play, on every wire API: asked about `notes.txt` with tools on,
 * the model calls pi's `read` tool (asked for the secret word, the MCP gateway's tool); given the
 * tool's result, it answers with what it says. The
 * replay rule of the backend family is checked on the turn that carries the tool result, as the real
 * backend checks it.
 *
 * @module
 */

import type { WireApi } from "../lib/types.ts";
import type { Reply } from "./replies.ts";

/** The signature the fakes put on every thinking block they stream; a replay must bring it back. */
export const THINKING_SIGNATURE = "EqoBCkgIAxABGAIiQFakeSignatureOfTheThinkingBlock==";
/** The tool call id Gemini's route carries its thought signature in (LiteLLM PR #16895). */
export const GEMINI_TOOL_CALL_ID = "call_fake_1__thought__R2VtaW5pVGhvdWdodA+/=";
/** The file the scripted model asks pi to read. */
export const NOTES_FILE = "notes.txt";
/** Asked for this with tools on, the scripted model calls {@link MCP_TOOL} instead of `read`. */
export const SECRET_PROMPT = "secret word";
/**
 * The MCP tool the model calls: the test server's `secret_word` behind LiteLLM's gateway (which
 * names it `notes-secret_word`), as pi names the tools of its MCP server `litellm`.
 */
export const MCP_TOOL = "mcp__litellm__notes_secret_word";

/** The replay rules a backend family enforces, by the fixture that answers a broken replay. */
export type ReplayCheck = "signed-thinking" | "thought-signature" | "reasoning-item";

/** Which rule each backend family (the fake scenario's `servedBy`) enforces on a replayed tool turn. */
export const REPLAY_CHECKS: Readonly<Record<string, ReplayCheck>> = {
  claude: "signed-thinking",
  gemini: "thought-signature",
  "gpt-5": "reasoning-item",
  "o-series": "reasoning-item",
};

/** The fixture that answers each broken rule. */
export const REPLAY_FIXTURES: Readonly<Record<ReplayCheck, string>> = {
  "signed-thinking": "anthropic-thinking-replay",
  "thought-signature": "gemini-thought-signature",
  "reasoning-item": "openai-reasoning-item",
};

type Raw = Record<string, unknown>;
const list = (value: unknown): Raw[] => (Array.isArray(value) ? value as Raw[] : []);
const lastIndex = (items: Raw[], test: (item: Raw) => boolean): number => {
  for (let index = items.length - 1; index >= 0; index--) if (test(items[index]!)) return index;
  return -1;
};
const last = (items: Raw[], test: (item: Raw) => boolean): Raw | undefined => items[lastIndex(items, test)];
const text = (value: unknown): string =>
  typeof value === "string"
    ? value
    : list(value).map((part) => (typeof part.text === "string" ? part.text : text(part.content ?? part.output))).join("");

/** One request read the same way whatever its wire API. */
export interface Turn {
  thinking: boolean;
  tools: boolean;
  /** The text of the last user message. */
  prompt: string;
  /** What the tool returned, when the request replays a tool call. */
  toolResult?: string;
  /** The replayed assistant turn that made the tool call kept what its backend's rule asks for. */
  replayKept: Record<ReplayCheck, boolean>;
  /** Images the request carries, in any position. */
  images: number;
}

function imagesIn(value: unknown): number {
  return (JSON.stringify(value ?? "").match(/"type":"(?:image_url|input_image|image)"/g) ?? []).length;
}

/** Reads a request body of any wire API into a {@link Turn}. */
export function readTurn(wireApi: WireApi, body: Raw): Turn {
  if (wireApi === "anthropic-messages") {
    const messages = list(body.messages);
    const toolTurn = last(
      messages,
      (message) => message.role === "assistant" && list(message.content).some((part) => part.type === "tool_use"),
    );
    const results = messages.flatMap((message) => list(message.content).filter((part) => part.type === "tool_result"));
    const first = list(toolTurn?.content)[0];
    const toolUse = list(toolTurn?.content).find((part) => part.type === "tool_use");
    const user = last(messages, (message) => message.role === "user");
    return {
      thinking: ["enabled", "adaptive"].includes(String((body.thinking as Raw | undefined)?.type)),
      tools: list(body.tools).length > 0,
      prompt: text(user?.content),
      ...(results.length > 0 ? { toolResult: text(results.at(-1)?.content) } : {}),
      replayKept: {
        "signed-thinking": first?.type === "redacted_thinking" || (first?.type === "thinking" && first.signature === THINKING_SIGNATURE),
        "thought-signature": toolUse?.id === GEMINI_TOOL_CALL_ID,
        "reasoning-item": true,
      },
      images: imagesIn(messages),
    };
  }
  if (wireApi === "openai-completions") {
    const messages = list(body.messages);
    const toolTurn = last(messages, (message) => message.role === "assistant" && list(message.tool_calls).length > 0);
    const result = last(messages, (message) => message.role === "tool");
    const signed = list(toolTurn?.thinking_blocks)[0]?.signature === THINKING_SIGNATURE ||
      list(toolTurn?.content).some((part) =>
        part.type === "reasoning" && list(part.summary).some((item) => item.signature === THINKING_SIGNATURE)
      );
    const user = last(messages, (message) => message.role === "user");
    return {
      thinking: typeof body.reasoning_effort === "string" || body.thinking !== undefined,
      tools: list(body.tools).length > 0,
      prompt: text(user?.content),
      ...(result ? { toolResult: text(result.content) } : {}),
      replayKept: {
        "signed-thinking": signed,
        "thought-signature": list(toolTurn?.tool_calls)[0]?.id === GEMINI_TOOL_CALL_ID && result?.tool_call_id === GEMINI_TOOL_CALL_ID,
        "reasoning-item": true,
      },
      images: imagesIn(messages),
    };
  }
  const input = list(body.input);
  const callIndex = lastIndex(input, (item) => item.type === "function_call");
  const output = last(input, (item) => item.type === "function_call_output");
  const user = last(input, (item) => item.role === "user");
  const effort = (body.reasoning as Raw | undefined)?.effort;
  return {
    thinking: typeof effort === "string" && effort !== "none",
    tools: list(body.tools).length > 0,
    prompt: text(user?.content),
    ...(output ? { toolResult: text(output.output) } : {}),
    replayKept: {
      "signed-thinking": true,
      "thought-signature": input[callIndex]?.call_id === GEMINI_TOOL_CALL_ID,
      "reasoning-item": callIndex < 0 || input.slice(0, callIndex).some((item) => item.type === "reasoning"),
    },
    images: imagesIn(input),
  };
}

/**
 * The replay rule a request breaks, if any: only a request that replays a tool call with thinking on
 * can break one, as with the real backends.
 */
export function brokenReplayRule(servedBy: string, turn: Turn): ReplayCheck | undefined {
  const check = REPLAY_CHECKS[servedBy];
  if (!check || turn.toolResult === undefined) return undefined;
  if (check !== "thought-signature" && !turn.thinking) return undefined;
  return turn.replayKept[check] ? undefined : check;
}

/** The model's answer to a turn of the script; `fallback` is its answer to anything else. */
export function scriptedReply(servedBy: string, turn: Turn, fallback: Reply): Reply {
  const thinking = turn.thinking ? { reasoning: "The user wants the notes; reading them first.", signature: THINKING_SIGNATURE } : {};
  if (turn.toolResult !== undefined) {
    return { ...thinking, text: `The notes say: ${turn.toolResult.trim().split("\n")[0]}` };
  }
  if (turn.tools && turn.prompt.includes(SECRET_PROMPT)) {
    return { ...thinking, text: "", toolCall: { name: MCP_TOOL, arguments: "{}" } };
  }
  if (turn.tools && turn.prompt.includes(NOTES_FILE)) {
    const id = servedBy === "gemini" ? GEMINI_TOOL_CALL_ID : undefined;
    return { ...thinking, text: "", toolCall: { name: "read", arguments: JSON.stringify({ path: NOTES_FILE }), ...(id ? { id } : {}) } };
  }
  if (turn.images > 0) return { ...thinking, text: `I see ${turn.images} image${turn.images === 1 ? "" : "s"}.` };
  // A scripted reply's own reasoning wins; thinking requested adds a signature for the replay check.
  return turn.thinking
    ? { ...thinking, ...fallback, signature: THINKING_SIGNATURE, reasoning: fallback.reasoning ?? thinking.reasoning }
    : fallback;
}
