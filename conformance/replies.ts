/**
 * What the fake proxy streams back: the chunk sequence of `/v1/chat/completions` and the event
 * sequence of `/v1/responses`, as LiteLLM's proxy emits them (`data:` frames only, `[DONE]` last).
 * Pure data builders; the server only writes what these return.
 *
 * @module
 */

/** A scripted answer. Text is split into `chunks` deltas so streaming is really exercised. */
export interface Reply {
  text: string;
  reasoning?: string;
  /** The signature of the reasoning, as Anthropic signs a thinking block; the backend checks it on replay. */
  signature?: string;
  toolCall?: { name: string; arguments: string; id?: string };
  /** How many deltas the text is split into. */
  chunks?: number;
}

/** Token usage the fake reports; `cached` is the part of `prompt` served from the prompt cache. */
export interface ReplyUsage {
  prompt: number;
  completion: number;
  cached: number;
  /** What LiteLLM says the answer cost: `usage.cost` in a stream's last chat chunk and in `response.completed` (LiteLLM 1.106 and 1.110). */
  cost?: number;
}

/** Splits text into `count` nearly equal, non-empty pieces. */
export function splitText(text: string, count: number): string[] {
  const pieces = Math.max(1, Math.min(count, text.length));
  const size = Math.ceil(text.length / pieces);
  const result: string[] = [];
  for (let start = 0; start < text.length; start += size) result.push(text.slice(start, start + size));
  return result.length > 0 ? result : [""];
}

/** The `chat.completion.chunk` objects for a reply, usage last when the client asked for it. */
export function chatChunks(model: string, reply: Reply, usage: ReplyUsage | undefined, id = "chatcmpl-fake"): unknown[] {
  const created = 1_760_000_000;
  const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    id,
    created,
    model,
    object: "chat.completion.chunk",
    choices: [{ index: 0, delta, ...extra }],
  });
  const chunks: unknown[] = [chunk({ role: "assistant", content: "" })];
  if (reply.reasoning) {
    // LiteLLM streams Claude's thinking as text plus `thinking_blocks`, the signature in a chunk of its own.
    const block = (
      thinking: string,
      signature: string,
    ) => (reply.signature ? { thinking_blocks: [{ type: "thinking", thinking, signature }] } : {});
    chunks.push(chunk({ reasoning_content: reply.reasoning, ...block(reply.reasoning, "") }));
    if (reply.signature) chunks.push(chunk({ reasoning_content: "", ...block("", reply.signature) }));
  }
  for (const piece of splitText(reply.text, reply.chunks ?? 4)) chunks.push(chunk({ content: piece }));
  if (reply.toolCall) {
    chunks.push(
      chunk({
        tool_calls: [{
          index: 0,
          id: reply.toolCall.id ?? "call_fake_1",
          type: "function",
          function: { name: reply.toolCall.name, arguments: "" },
        }],
      }),
    );
    chunks.push(chunk({ tool_calls: [{ index: 0, function: { arguments: reply.toolCall.arguments } }] }));
  }
  chunks.push(chunk({}, { finish_reason: reply.toolCall ? "tool_calls" : "stop" }));
  if (usage) {
    chunks.push({
      id,
      created,
      model,
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta: {} }],
      usage: {
        prompt_tokens: usage.prompt,
        completion_tokens: usage.completion,
        total_tokens: usage.prompt + usage.completion,
        prompt_tokens_details: { cached_tokens: usage.cached },
        cache_read_input_tokens: usage.cached,
        ...(usage.cost === undefined ? {} : { cost: usage.cost }),
      },
    });
  }
  return chunks;
}

/** The Responses API events for a reply, from `response.created` to `response.completed`. */
export function responseEvents(model: string, reply: Reply, usage: ReplyUsage, id = "resp_fake"): unknown[] {
  const events: Record<string, unknown>[] = [];
  const emit = (type: string, fields: Record<string, unknown>) => events.push({ type, ...fields });
  const base = { id, object: "response", model, created_at: 1_760_000_000 };
  let outputIndex = 0;
  emit("response.created", { response: { ...base, status: "in_progress", output: [] } });
  if (reply.reasoning) {
    const item = { id: "rs_fake", type: "reasoning" };
    emit("response.output_item.added", { output_index: outputIndex, item: { ...item, summary: [] } });
    emit("response.reasoning_summary_part.added", {
      item_id: item.id,
      output_index: outputIndex,
      summary_index: 0,
      part: { type: "summary_text", text: "" },
    });
    emit("response.reasoning_summary_text.delta", {
      item_id: item.id,
      output_index: outputIndex,
      summary_index: 0,
      delta: reply.reasoning,
    });
    const encrypted = reply.signature ? { encrypted_content: reply.signature } : {};
    emit("response.output_item.done", {
      output_index: outputIndex++,
      item: { ...item, ...encrypted, summary: [{ type: "summary_text", text: reply.reasoning }] },
    });
  }
  const message = { id: "msg_fake", type: "message", role: "assistant" };
  emit("response.output_item.added", { output_index: outputIndex, item: { ...message, status: "in_progress", content: [] } });
  emit("response.content_part.added", {
    item_id: message.id,
    output_index: outputIndex,
    content_index: 0,
    part: { type: "output_text", text: "", annotations: [] },
  });
  for (const delta of splitText(reply.text, reply.chunks ?? 4)) {
    emit("response.output_text.delta", { item_id: message.id, output_index: outputIndex, content_index: 0, delta });
  }
  emit("response.output_text.done", { item_id: message.id, output_index: outputIndex, content_index: 0, text: reply.text });
  const content = [{ type: "output_text", text: reply.text, annotations: [] }];
  emit("response.output_item.done", { output_index: outputIndex++, item: { ...message, status: "completed", content } });
  if (reply.toolCall) {
    const call = { id: "fc_fake", type: "function_call", call_id: "call_fake_1", name: reply.toolCall.name };
    emit("response.output_item.added", { output_index: outputIndex, item: { ...call, arguments: "" } });
    emit("response.function_call_arguments.delta", { item_id: call.id, output_index: outputIndex, delta: reply.toolCall.arguments });
    emit("response.function_call_arguments.done", { item_id: call.id, output_index: outputIndex, arguments: reply.toolCall.arguments });
    emit("response.output_item.done", { output_index: outputIndex++, item: { ...call, arguments: reply.toolCall.arguments } });
  }
  emit("response.completed", {
    response: {
      ...base,
      status: "completed",
      usage: {
        input_tokens: usage.prompt,
        output_tokens: usage.completion,
        total_tokens: usage.prompt + usage.completion,
        input_tokens_details: { cached_tokens: usage.cached },
        output_tokens_details: { reasoning_tokens: 0 },
        ...(usage.cost === undefined ? {} : { cost: usage.cost }),
      },
    },
  });
  return events.map((event, index) => ({ ...event, sequence_number: index }));
}

/**
 * The Anthropic Messages stream for a reply, as LiteLLM's `/v1/messages` relays it: named events,
 * thinking with its `signature_delta`, text, a tool call with `input_json_delta`, usage with cache reads.
 */
export function messageEvents(model: string, reply: Reply, usage: ReplyUsage, id = "msg_fake"): { event: string; data: unknown }[] {
  const events: { event: string; data: unknown }[] = [];
  const emit = (type: string, fields: Record<string, unknown>) => events.push({ event: type, data: { type, ...fields } });
  emit("message_start", {
    message: {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      usage: {
        input_tokens: usage.prompt - usage.cached,
        output_tokens: 1,
        cache_read_input_tokens: usage.cached,
        cache_creation_input_tokens: 0,
      },
    },
  });
  let index = 0;
  if (reply.reasoning) {
    emit("content_block_start", { index, content_block: { type: "thinking", thinking: "", signature: "" } });
    emit("content_block_delta", { index, delta: { type: "thinking_delta", thinking: reply.reasoning } });
    emit("content_block_delta", { index, delta: { type: "signature_delta", signature: reply.signature ?? "" } });
    emit("content_block_stop", { index: index++ });
  }
  if (reply.text) {
    emit("content_block_start", { index, content_block: { type: "text", text: "" } });
    for (const piece of splitText(reply.text, reply.chunks ?? 4)) {
      emit("content_block_delta", { index, delta: { type: "text_delta", text: piece } });
    }
    emit("content_block_stop", { index: index++ });
  }
  if (reply.toolCall) {
    emit("content_block_start", {
      index,
      content_block: { type: "tool_use", id: reply.toolCall.id ?? "toolu_fake_1", name: reply.toolCall.name, input: {} },
    });
    emit("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: reply.toolCall.arguments } });
    emit("content_block_stop", { index: index++ });
  }
  emit("message_delta", {
    delta: { stop_reason: reply.toolCall ? "tool_use" : "end_turn", stop_sequence: null },
    usage: { output_tokens: usage.completion },
  });
  emit("message_stop", {});
  return events;
}
