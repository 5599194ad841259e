import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { profileOf } from "../catalog/models.ts";
import { createEventStream, emptyAssistantMessage, type StreamSimple } from "../pi.ts";
import { piModel } from "../../conformance/scenario.ts";
import { lazyStream, loadStream } from "./stream-loader.ts";

const MODEL = piModel("gpt-5");

/** pi-ai's stream for any wire API, answering "Hello." in two deltas, a turn later. */
const answering = (): StreamSimple => (model) => {
  const stream = createEventStream();
  const partial = emptyAssistantMessage(model, "stop");
  queueMicrotask(() => {
    stream.push({ type: "start", partial });
    stream.push({ type: "text_delta", contentIndex: 0, delta: "Hel", partial });
    stream.push({ type: "text_delta", contentIndex: 0, delta: "lo.", partial });
    stream.push({ type: "done", reason: "stop", message: { ...partial, content: [{ type: "text", text: "Hello." }] } });
    stream.end();
  });
  return stream;
};

describe("lazyStream()", () => {
  it("a request that comes before the stream's modules are loaded gets every event in order, and the answer as its result", async () => {
    const streamSimple = lazyStream({ profileOf: (model) => profileOf({ id: model.id }, { modelOverrides: [] }), wireStream: answering });
    const stream = streamSimple(MODEL, { messages: [] });
    const events: string[] = [];
    for await (const event of stream) events.push(event.type === "text_delta" ? `text_delta ${event.delta}` : event.type);
    assert.deepEqual(events, ["start", "text_delta Hel", "text_delta lo.", "done"]);
    assert.deepEqual((await stream.result()).content, [{ type: "text", text: "Hello." }]);
  });

  it("once loaded, a request streams the same way", async () => {
    await loadStream();
    const streamSimple = lazyStream({ profileOf: (model) => profileOf({ id: model.id }, { modelOverrides: [] }), wireStream: answering });
    const events: string[] = [];
    for await (const event of streamSimple(MODEL, { messages: [] })) events.push(event.type);
    assert.deepEqual(events, ["start", "text_delta", "text_delta", "done"]);
  });
});
