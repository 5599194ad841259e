import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { getJson } from "./proxy-http.ts";
import { fetchWithinOrigin, hasControlCharacters, printable, redact } from "./secrets.ts";
import { recorder } from "../conformance/recorder.ts";

describe("redact()", () => {
  it("replaces every occurrence of every secret", () => {
    assert.equal(redact("a sk-111111 b xsk-111111x c sk-222222", ["sk-111111", "sk-222222", undefined]), "a *** b x***x c ***");
  });

  it("replaces a short secret only where it stands alone, leaving words that contain it", () => {
    assert.equal(redact("check the key k, then k again", ["k"]), "check the key ***, then *** again");
    assert.equal(redact("Bearer test failed; latest test-run", ["test"]), "Bearer *** failed; latest test-run");
    assert.equal(redact("a.b axb", ["a.b"]), "*** axb");
  });
});

describe("printable()", () => {
  it("turns escape sequences, bells and NULs into question marks and leaves the rest", () => {
    assert.equal(printable("gpt\u001b[31m-5\u0007\u0000\u009b ok"), "gpt?[31m-5??? ok");
    assert.equal(hasControlCharacters("claude-sonnet-4.5"), false);
    assert.equal(hasControlCharacters("x\u001b]0;title\u0007"), true);
  });
});

describe("fetchWithinOrigin()", () => {
  let elsewhere: Awaited<ReturnType<typeof recorder>>;
  let proxy: Awaited<ReturnType<typeof recorder>>;
  before(async () => {
    elsewhere = await recorder(() => ({ status: 200, body: '{"data":[]}' }));
    proxy = await recorder((request, url) => {
      if (request.url === "/moved") return { status: 307, headers: { location: `${elsewhere.url}/v1/chat/completions` } };
      if (request.url === "/same") return { status: 308, headers: { location: `${url}/final` } };
      return { status: 200, body: '{"ok":true}' };
    });
  });
  after(async () => {
    await elsewhere.close();
    await proxy.close();
  });

  it("does not follow a redirect to another origin: the key and the body never get there", async () => {
    const response = await fetchWithinOrigin(fetch, `${proxy.url}/moved`, {
      method: "POST",
      headers: { "api-key": "sk-azure-secret", "x-litellm-api-key": "sk-header-secret" },
      body: '{"model":"gpt-5"}',
    });
    assert.equal(response.status, 307);
    const body = await response.json() as { error: { message: string } };
    assert.match(
      body.error.message,
      /redirected to another origin, http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions.*set LITELLM_BASE_URL/,
    );
    assert.equal(elsewhere.seen.length, 0);
  });

  it("refuses a redirect to another origin for a Request too, whatever redirect mode it asks for, with the same line", async () => {
    for (const redirect of ["manual", "follow", "error"] as const) {
      const request = new Request(`${proxy.url}/moved`, {
        method: "POST",
        headers: { "api-key": "sk-azure-secret" },
        body: '{"model":"gpt-5"}',
        redirect,
      });
      const response = await fetchWithinOrigin(fetch, request);
      assert.equal(response.status, 307, redirect);
      const body = await response.json() as { error: { message: string } };
      assert.match(body.error.message, /redirected to another origin, http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions/, redirect);
    }
    assert.equal(elsewhere.seen.length, 0);
    const followed = await fetchWithinOrigin(
      fetch,
      new Request(`${proxy.url}/same`, { method: "POST", headers: { "x-api-key": "k2" }, body: "again" }),
    );
    assert.deepEqual(await followed.json(), { ok: true });
    assert.deepEqual([proxy.seen.at(-1)!.path, proxy.seen.at(-1)!.body], ["/final", "again"]);
  });

  it("follows a redirect within the proxy's origin with the same method, headers and body", async () => {
    const response = await fetchWithinOrigin(fetch, `${proxy.url}/same`, {
      method: "POST",
      headers: { "x-api-key": "k1" },
      body: "payload",
    });
    assert.deepEqual(await response.json(), { ok: true });
    const final = proxy.seen.at(-1)!;
    assert.deepEqual([final.path, final.headers["x-api-key"], final.body], ["/final", "k1", "payload"]);
  });

  it("gives discovery one line naming where the redirect pointed, without the key", async () => {
    const result = await getJson({
      url: `${proxy.url}/moved`,
      apiKey: "sk-discovery-secret",
      timeoutMs: 2_000,
      keyVariable: "K",
      urlVariable: "settings.json litellm.baseUrl",
    });
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.problem.kind, "redirected");
    assert.match(
      result.problem.message,
      /^LiteLLM at http:\/\/127\.0\.0\.1:\d+ redirected to another origin, .*set settings.json litellm\.baseUrl to its new address$/,
    );
    assert.equal(elsewhere.seen.length, 0);
  });

  it("takes a proxy's own body that merely says the same words for an ordinary error", async () => {
    const quoting: typeof fetch = async () => new Response("the upstream was redirected to another origin", { status: 400 });
    const result = await getJson({
      url: "http://proxy.test/v1/models",
      timeoutMs: 1_000,
      keyVariable: "K",
      urlVariable: "U",
      fetch: quoting,
    });
    assert.equal(result.ok ? "ok" : result.problem.kind, "http");
  });
});
