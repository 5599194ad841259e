import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { type RecordedReply, recorder } from "../../conformance/recorder.ts";
import { guardProxy, type Observed, observerHeaders } from "./proxy-fetch.ts";

describe("guardProxy()", () => {
  let elsewhere: Awaited<ReturnType<typeof recorder>>;
  let proxy: Awaited<ReturnType<typeof recorder>>;
  const original = globalThis.fetch;
  const lastChunk = { id: "chatcmpl-1", choices: [], usage: { prompt_tokens: 20, completion_tokens: 8, total_tokens: 28, cost: 0.0421 } };
  before(async () => {
    elsewhere = await recorder(() => ({ status: 200, body: '{"data":[]}' }));
    proxy = await recorder((request): RecordedReply => {
      if (request.url === "/moved") return { status: 307, headers: { location: `${elsewhere.url}/v1/chat/completions` } };
      if (request.url === "/busy") {
        return {
          status: 429,
          headers: { "llm_provider-retry-after": "2", "content-type": "application/json" },
          body: '{"error":{"message":"busy"}}',
        };
      }
      const events = [{ id: "chatcmpl-1", choices: [{ index: 0, delta: { content: "Hi" } }] }, lastChunk].map((event) =>
        `data: ${JSON.stringify(event)}\n\n`
      ).join("");
      return { status: 200, headers: { "content-type": "text/event-stream" }, body: `${events}data: [DONE]\n\n` };
    });
  });
  after(async () => {
    globalThis.fetch = original;
    await elsewhere.close();
    await proxy.close();
  });

  it("keeps a registered proxy's redirects within its origin, and leaves every other request alone", async () => {
    guardProxy(proxy.url, "LITELLM_BASE_URL");
    const guarded = await fetch(`${proxy.url}/moved`, { headers: { "api-key": "sk-1" } });
    assert.equal(guarded.status, 307);
    assert.equal(elsewhere.seen.length, 0);
    const other = await fetch(`${elsewhere.url}/anything`);
    assert.equal(other.status, 200);
  });

  it("keeps guarding after pi reloads the extension: a fresh copy of the module adds its roots to the one guard", async () => {
    const reloaded = await import(`./proxy-fetch.ts?reload=${Date.now()}`) as typeof import("./proxy-fetch.ts");
    assert.notEqual(reloaded.guardProxy, guardProxy, "a fresh copy, as pi's reload loads one");
    reloaded.guardProxy(`${proxy.url}/second`, "LITELLM_BASE_URL");
    const seen: Observed = {};
    const headers = reloaded.observerHeaders(seen, `${proxy.url}/second`);
    const response = await fetch(`${proxy.url}/second/v1/chat/completions`, { method: "POST", headers });
    await response.text();
    assert.equal(seen.cost, 0.0421, "the first copy's guard observes for the fresh copy");
  });

  it("gives the request that sent it LiteLLM's cost from a stream's last chunk, with the bytes unchanged", async () => {
    guardProxy(proxy.url, "LITELLM_BASE_URL");
    const seen: Observed = {};
    const response = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: observerHeaders(seen, proxy.url) });
    const text = await response.text();
    assert.match(text, /"cost":0\.0421/);
    assert.ok(text.endsWith("data: [DONE]\n\n"));
    assert.equal(seen.status, 200);
    assert.equal(seen.cost, 0.0421);
  });

  it("sends the proxy nothing of the observing: the header that names the observer is taken off on the way", async () => {
    guardProxy(proxy.url, "LITELLM_BASE_URL");
    const headers = observerHeaders({}, proxy.url);
    assert.equal(Object.keys(headers).length, 1, "an observer is named for a guarded root");
    await (await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: { ...headers, "x-kept": "1" } })).text();
    const arrived = proxy.seen.at(-1)!.headers;
    assert.equal(arrived["x-kept"], "1");
    assert.deepEqual(Object.keys(arrived).filter((name) => name.includes("observer")), []);
    assert.deepEqual(observerHeaders({}, `${elsewhere.url}/v1`), {}, "no observer where no guard covers the URL");
  });

  it("gives it an error answer's headers, and nothing to requests made outside it", async () => {
    const seen: Observed = {};
    const response = await fetch(`${proxy.url}/busy`, { method: "POST", headers: observerHeaders(seen, proxy.url) });
    await response.text();
    assert.equal(seen.status, 429);
    assert.equal(seen.headers?.get("llm_provider-retry-after"), "2");
    const outside = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST" });
    assert.match(await outside.text(), /"cost"/);
  });

  it("has the cost when the reader stops at the last event without reading the stream's end, as pi-ai does", async () => {
    guardProxy(proxy.url, "LITELLM_BASE_URL");
    const seen: Observed = {};
    const response = await fetch(`${proxy.url}/v1/chat/completions`, { method: "POST", headers: observerHeaders(seen, proxy.url) });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let read = "";
    while (!read.includes('"cost"')) {
      const { done, value } = await reader.read();
      assert.equal(done, false, "the cost event came");
      read += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    assert.equal(seen.cost, 0.0421);
  });

  it("hands on a stream's end as it happens: a reader that stops (pi's abort) ends the proxy's answer, one cut off fails its reader", {
    timeout: 10_000,
  }, async () => {
    let answerClosed!: () => void;
    const closed = new Promise<void>((resolve) => answerClosed = resolve);
    const server = createServer((request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      // Cut off once the first event is on its way: the reader has begun, the rest never comes.
      response.write('data: {"choices":[]}\n\n', () => request.url === "/cut" && response.destroy());
      response.on("close", () => request.url === "/long" && answerClosed());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      guardProxy(url, "LITELLM_BASE_URL");
      const streaming = await fetch(`${url}/long`, { method: "POST", headers: observerHeaders({}, url) });
      const reader = streaming.body!.getReader();
      assert.match(new TextDecoder().decode((await reader.read()).value), /^data: /);
      await reader.cancel();
      await closed;
      const cut = await fetch(`${url}/cut`, { method: "POST", headers: observerHeaders({}, url) });
      await assert.rejects(cut.text());
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
