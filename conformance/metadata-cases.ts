/**
 * The proxy's own metadata: what it reports wins over name patterns, deployments merge
 * conservatively, thinking levels outside `supported_reasoning_efforts` are never sent, Claude prompt
 * caching works through `cache_control`, and a key that may not read `/v1/model/info` falls back to
 * `/v1/models` without a word.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { FakeLiteLLM, FakeModel, Fault } from "./fake-litellm.ts";
import { startFakeLiteLLM } from "./fake-litellm.ts";
import { collect, type LoadedExtension, loadExtension } from "./harness.ts";
import { runPi } from "./pi-cli.ts";
import { assertCleanRun } from "./cli-cases.ts";
import { API_KEY } from "./scenario.ts";
import type { ConformanceCase, ConformanceSuite } from "./suite.ts";

/** A proxy with real metadata: an unknown id, a load-balanced Claude, a reasoning GPT, an embedding. */
export const METADATA_MODELS: readonly FakeModel[] = [
  {
    id: "acme-large",
    servedBy: "lenient",
    litellmModel: "openai/acme-large-2026",
    deployments: [{
      max_input_tokens: 500000,
      max_output_tokens: 12000,
      input_cost_per_token: 2e-6,
      output_cost_per_token: 8e-6,
      cache_read_input_token_cost: 5e-7,
      cache_creation_input_token_cost: 2.5e-6,
      supports_vision: true,
      supports_reasoning: true,
      litellm_provider: "openai",
    }],
    group: { supported_reasoning_efforts: ["low", "high"] },
  },
  {
    id: "claude-sonnet-4-5",
    servedBy: "claude",
    litellmModel: "anthropic/claude-sonnet-4-5-20250929",
    deployments: [
      {
        max_input_tokens: 200000,
        max_output_tokens: 64000,
        input_cost_per_token: 3e-6,
        supports_vision: true,
        supports_reasoning: true,
        supports_prompt_caching: true,
        litellm_provider: "anthropic",
      },
      {
        max_input_tokens: 180000,
        max_output_tokens: 32000,
        input_cost_per_token: 3.3e-6,
        supports_vision: true,
        supports_reasoning: true,
        supports_prompt_caching: true,
        litellm_provider: "bedrock",
      },
    ],
  },
  { id: "text-embedding-3-large", servedBy: "lenient", deployments: [{ mode: "embedding" }] },
];

/** The fixtures this suite replays. */
export const METADATA_FIXTURES: readonly string[] = ["litellm-auth", "litellm-route-not-allowed"];

/** How a key that may not read `/v1/model/info` is answered, by status. */
const REFUSALS: readonly [status: number, fault: Fault][] = [
  [401, { kind: "fixture", fixture: "litellm-auth" }],
  [403, { kind: "fixture", fixture: "litellm-route-not-allowed" }],
  [404, { kind: "missing" }],
];

/** The suite: one fake with metadata, plus one per refusal. */
export function metadataSuite(): ConformanceSuite {
  let fake: FakeLiteLLM;
  let extension: LoadedExtension;
  const env = (url: string) => ({ LITELLM_BASE_URL: url, LITELLM_API_KEY: API_KEY });
  const sent = async (model: string, reasoning: "minimal" | "medium" | "xhigh") => {
    const before = fake.requests.length;
    await collect(extension.stream(model, { reasoning }));
    return fake.requests.slice(before).find((request) => request.model === model)?.body as { reasoning_effort?: string };
  };

  const fallbacks: ConformanceCase[] = REFUSALS.map(([status, fault]) => ({
    name: `a key refused /v1/model/info with ${status} falls back to /v1/models, silently`,
    async run() {
      const refusing = await startFakeLiteLLM({ apiKey: API_KEY, models: [...METADATA_MODELS], routes: { "model/info": fault } });
      try {
        const loaded = await loadExtension(env(refusing.url));
        assert.deepEqual(loaded.warnings, []);
        const ids = loaded.providers.get("litellm")?.config.models?.map((model) => model.id);
        assert.deepEqual(ids, ["acme-large", "claude-sonnet-4-5", "text-embedding-3-large"]);
        assert.ok(refusing.requests.some((request) => request.path === "/v1/model/info" && request.status === status));
        const run = await runPi(["--no-session", "--provider", "litellm", "--model", "acme-large", "-p", "Say hello."], env(refusing.url));
        assertCleanRun(run);
        assert.equal(run.stdout.trim(), "Hello from acme-large.");
        assert.equal(run.stderr.trim(), "");
      } finally {
        await refusing.close();
      }
    },
  }));

  return {
    name: "the proxy's own metadata",
    async before() {
      fake = await startFakeLiteLLM({ apiKey: API_KEY, models: [...METADATA_MODELS], wildcards: ["anthropic/*"] });
      extension = await loadExtension(env(fake.url));
    },
    after: () => fake.close(),
    cases: [
      {
        name: "a model no family matches gets the context window, output limit, prices and image support the proxy reported",
        async run() {
          const model = extension.model("acme-large");
          assert.equal(model.contextWindow, 500_000);
          assert.equal(model.maxTokens, 12_000);
          assert.deepEqual(model.input, ["text", "image"]);
          assert.equal(model.reasoning, true);
          assert.deepEqual(model.cost, { input: 2, output: 8, cacheRead: 0.5, cacheWrite: 2.5 });
        },
      },
      {
        name: "pi --list-models shows the reported limits and leaves out embedding models and wildcard routes",
        async run() {
          const run = await runPi(["--list-models", "litellm"], env(fake.url));
          assertCleanRun(run);
          const table = run.stdout + run.stderr;
          assert.match(table, /litellm\s+acme-large\s+500K\s+12K\s+yes\s+yes/);
          assert.match(table, /litellm\s+claude-sonnet-4-5\s+180K\s+32K\s+yes\s+yes/);
          assert.doesNotMatch(table, /text-embedding|\*/);
        },
      },
      {
        name: "a load-balanced model gets the smallest limits and the highest price of its deployments",
        async run() {
          const model = extension.model("claude-sonnet-4-5");
          assert.deepEqual([model.contextWindow, model.maxTokens, model.cost.input], [180_000, 32_000, 3.3]);
        },
      },
      {
        name: "a thinking level outside supported_reasoning_efforts is never sent",
        async run() {
          assert.equal((await sent("acme-large", "minimal")).reasoning_effort, "low");
          assert.equal((await sent("acme-large", "medium")).reasoning_effort, "high");
          assert.equal((await sent("acme-large", "xhigh")).reasoning_effort, "high");
        },
      },
      {
        name: "pi -p --thinking medium sends an effort the backend accepts",
        async run() {
          const before = fake.requests.length;
          const run = await runPi([
            "--no-session",
            "--provider",
            "litellm",
            "--model",
            "acme-large",
            "--thinking",
            "medium",
            "-p",
            "Think.",
          ], env(fake.url));
          assertCleanRun(run);
          const body = fake.requests.slice(before).find((request) => request.model === "acme-large")?.body as { reasoning_effort?: string };
          assert.ok(["low", "high"].includes(body.reasoning_effort ?? ""), `sent ${body.reasoning_effort}`);
        },
      },
      {
        name: "Claude prompt caching works through LiteLLM: cache_control markers go out, the second turn reads the cache",
        async run() {
          const before = fake.requests.length;
          const first = await collect(extension.stream("claude-sonnet-4-5", { sessionId: "claude-cache" }));
          const second = await collect(extension.stream("claude-sonnet-4-5", { sessionId: "claude-cache" }));
          const body = fake.requests.slice(before).find((request) => request.model === "claude-sonnet-4-5")?.body;
          assert.match(JSON.stringify(body), /"cache_control":\{"type":"ephemeral"\}/);
          assert.equal(first.message.usage.cacheRead, 0);
          assert.ok(second.message.usage.cacheRead > 0);
        },
      },
      ...fallbacks,
    ],
  };
}
