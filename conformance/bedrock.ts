/**
 * A fake Amazon Bedrock runtime for the real-LiteLLM tier: `converse-stream` (what LiteLLM's
 * `bedrock/` route calls for Chat Completions) and `invoke-with-response-stream` (its native
 * `/v1/messages` pass-through), both framed as AWS event streams. The scripted turn and Anthropic's
 * replay rule are the same as every other fake backend's.
 *
 * Event-stream framing: total length, headers length and a CRC32 of those eight bytes, then string
 * headers (`:event-type`, `:content-type`, `:message-type`), the JSON payload, and a CRC32 of it all.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { crc32 } from "node:zlib";
import type { ReplayCheck, Turn } from "./agent-script.ts";
import { THINKING_SIGNATURE } from "./agent-script.ts";
import { messageEvents, type Reply } from "./replies.ts";

/** One event-stream message: headers as strings, the payload as JSON. */
export function eventMessage(eventType: string, payload: unknown): Uint8Array {
  const headers = Buffer.concat(
    Object.entries({ ":event-type": eventType, ":content-type": "application/json", ":message-type": "event" }).map(([name, value]) => {
      const nameBytes = Buffer.from(name);
      const valueBytes = Buffer.from(value);
      const header = Buffer.alloc(1 + nameBytes.length + 1 + 2 + valueBytes.length);
      header.writeUInt8(nameBytes.length, 0);
      nameBytes.copy(header, 1);
      header.writeUInt8(7, 1 + nameBytes.length); // 7: a string value
      header.writeUInt16BE(valueBytes.length, 2 + nameBytes.length);
      valueBytes.copy(header, 4 + nameBytes.length);
      return header;
    }),
  );
  const body = Buffer.from(JSON.stringify(payload));
  const total = 12 + headers.length + body.length + 4;
  const message = Buffer.alloc(total);
  message.writeUInt32BE(total, 0);
  message.writeUInt32BE(headers.length, 4);
  message.writeUInt32BE(crc32(message.subarray(0, 8)), 8);
  headers.copy(message, 12);
  body.copy(message, 12 + headers.length);
  message.writeUInt32BE(crc32(message.subarray(0, total - 4)), total - 4);
  return message;
}

/** The `invoke-with-response-stream` answer: each Anthropic event base64-encoded in a `chunk`. */
export function invokeStream(model: string, reply: Reply): Uint8Array[] {
  return messageEvents(model, reply, { prompt: 20, completion: 8, cached: 0 }).map((frame) =>
    eventMessage("chunk", { bytes: Buffer.from(JSON.stringify(frame.data)).toString("base64") })
  );
}

/** The `converse-stream` answer: reasoning with its signature, text, a tool use, stop and usage. */
export function converseStream(reply: Reply): Uint8Array[] {
  const events: [string, unknown][] = [["messageStart", { role: "assistant" }]];
  let index = 0;
  if (reply.reasoning) {
    events.push(["contentBlockDelta", { contentBlockIndex: index, delta: { reasoningContent: { text: reply.reasoning } } }]);
    events.push(["contentBlockDelta", {
      contentBlockIndex: index,
      delta: { reasoningContent: { signature: reply.signature ?? THINKING_SIGNATURE } },
    }]);
    events.push(["contentBlockStop", { contentBlockIndex: index++ }]);
  }
  if (reply.text) {
    events.push(["contentBlockDelta", { contentBlockIndex: index, delta: { text: reply.text } }]);
    events.push(["contentBlockStop", { contentBlockIndex: index++ }]);
  }
  if (reply.toolCall) {
    events.push(["contentBlockStart", {
      contentBlockIndex: index,
      start: { toolUse: { toolUseId: "tooluse_fake_1", name: reply.toolCall.name } },
    }]);
    events.push(["contentBlockDelta", { contentBlockIndex: index, delta: { toolUse: { input: reply.toolCall.arguments } } }]);
    events.push(["contentBlockStop", { contentBlockIndex: index++ }]);
  }
  events.push(["messageStop", { stopReason: reply.toolCall ? "tool_use" : "end_turn" }]);
  events.push(["metadata", { usage: { inputTokens: 20, outputTokens: 8, totalTokens: 28 }, metrics: { latencyMs: 1 } }]);
  return events.map(([type, payload]) => eventMessage(type, payload));
}

type Raw = Record<string, unknown>;
const list = (value: unknown): Raw[] => (Array.isArray(value) ? value as Raw[] : []);

/** Reads a Converse request as the script's view: `toolResult` blocks, `reasoningContent` replays. */
export function converseTurn(body: Raw): Turn {
  const messages = list(body.messages);
  const blocks = messages.flatMap((message) => list(message.content).map((block) => ({ role: message.role, block })));
  const result = blocks.filter(({ block }) => block.toolResult).at(-1)?.block.toolResult as Raw | undefined;
  const toolTurn = messages.filter((message) => message.role === "assistant" && list(message.content).some((block) => block.toolUse)).at(
    -1,
  );
  const first = list(toolTurn?.content)[0];
  const signature = ((first?.reasoningContent as Raw | undefined)?.reasoningText as Raw | undefined)?.signature;
  const user = messages.filter((message) =>
    message.role === "user" && list(message.content).some((block) => typeof block.text === "string")
  ).at(-1);
  const thinking = ((body.additionalModelRequestFields as Raw | undefined)?.thinking as Raw | undefined)?.type === "enabled";
  const checks: Record<ReplayCheck, boolean> = {
    "signed-thinking": signature === THINKING_SIGNATURE,
    "thought-signature": true,
    "reasoning-item": true,
  };
  return {
    thinking,
    tools: list((body.toolConfig as Raw | undefined)?.tools).length > 0,
    prompt: list(user?.content).map((block) => String(block.text ?? "")).join(""),
    ...(result ? { toolResult: list(result.content).map((part) => String(part.text ?? "")).join("") } : {}),
    replayKept: checks,
    images: JSON.stringify(messages).split('"image"').length - 1,
  };
}
