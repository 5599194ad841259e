/**
 * The proof of the parameter policy, per model family and wire API:
 * 1. negative control: the same request through pi-ai without the extension makes the fake replay a
 *    recorded error, and the stream ends in that error;
 * 2. with the extension the stream completes, the text arrives, and the payload lacks exactly the
 *    fields the policy drops;
 * 3. positive control: fields the family accepts are still sent.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { SimpleStreamOptions } from "../lib/pi.ts";
import { WIRE_APIS, type WireApi } from "../lib/types.ts";
import { type FakeLiteLLM, type RecordedRequest, startFakeLiteLLM } from "./fake-litellm.ts";
import { type Fixture, fixtureById, loadFixtures } from "./fixtures.ts";
import { collect, fieldPaths, type LoadedExtension, loadExtension, streamWithoutExtension } from "./harness.ts";
import { API_KEY, conformanceScenario } from "./scenario.ts";
import type { ConformanceCase, ConformanceSuite } from "./suite.ts";

/** One family × wire API row: which request makes the backend fail, and what must survive. */
export interface PolicyCase {
  model: string;
  api: WireApi;
  /** Request options that make pi-ai send the field the fixture bites on. */
  options?: SimpleStreamOptions;
  /** Fields another extension adds through `before_provider_request`, in both runs. */
  adds?: Record<string, unknown>;
  /** The recorded error the unfiltered request triggers; none for families that fail open. */
  fixture?: string;
  /**
   * Field paths the extension removes from what pi-ai sends, written from the policy table (the
   * README's rendering of it), not computed by the code under test.
   */
  removes: string[];
  /** Fields the extension must still send. */
  keeps: string[];
}

const LONG_CACHE: SimpleStreamOptions = { cacheRetention: "long" };
const NO_CACHE: SimpleStreamOptions = { cacheRetention: "none" };

/** The table. Each row becomes up to three cases. */
export const POLICY_CASES: readonly PolicyCase[] = [
  // Claude: LiteLLM's Anthropic mapping lists neither store nor prompt_cache_key.
  {
    model: "claude-haiku-4-5",
    api: "openai-completions",
    fixture: "litellm-anthropic-store",
    removes: ["store"],
    keeps: ["stream_options.include_usage", "max_completion_tokens"],
  },
  {
    model: "claude-haiku-4-5",
    api: "openai-responses",
    fixture: "litellm-anthropic-prompt-cache-key",
    removes: ["prompt_cache_key", "store"],
    keeps: ["max_output_tokens"],
  },
  {
    model: "claude-haiku-4-5",
    api: "azure-openai-responses",
    fixture: "litellm-anthropic-prompt-cache-key",
    removes: ["prompt_cache_key"],
    keeps: ["max_output_tokens"],
  },
  // Gemini
  {
    model: "gemini-2.5-pro",
    api: "openai-completions",
    options: LONG_CACHE,
    fixture: "litellm-vertex-prompt-cache-key",
    removes: ["prompt_cache_key", "prompt_cache_retention", "store"],
    keeps: ["stream_options.include_usage"],
  },
  {
    model: "gemini-2.5-pro",
    api: "openai-responses",
    fixture: "litellm-vertex-prompt-cache-key",
    removes: ["prompt_cache_key", "store"],
    keeps: ["max_output_tokens"],
  },
  {
    model: "gemini-2.5-pro",
    api: "azure-openai-responses",
    fixture: "litellm-vertex-prompt-cache-key",
    removes: ["prompt_cache_key"],
    keeps: ["max_output_tokens"],
  },
  // Databricks-hosted models, Claude and Gemini
  {
    model: "databricks-claude-sonnet-4",
    api: "openai-completions",
    options: LONG_CACHE,
    fixture: "databricks-prompt-cache-key",
    removes: ["prompt_cache_key", "prompt_cache_retention", "store"],
    keeps: ["stream_options.include_usage"],
  },
  {
    model: "databricks-claude-sonnet-4",
    api: "openai-completions",
    adds: { parallel_tool_calls: true },
    fixture: "databricks-parallel-tool-calls",
    removes: ["parallel_tool_calls", "store"],
    keeps: ["max_completion_tokens"],
  },
  {
    model: "databricks-claude-sonnet-4",
    api: "openai-responses",
    fixture: "databricks-prompt-cache-key",
    removes: ["prompt_cache_key", "store"],
    keeps: ["max_output_tokens"],
  },
  {
    model: "databricks-claude-sonnet-4",
    api: "openai-responses",
    options: { ...NO_CACHE, reasoning: "high" },
    fixture: "databricks-reasoning-dict",
    removes: ["include", "reasoning.summary", "store"],
    keeps: ["reasoning.effort"],
  },
  {
    model: "databricks-claude-sonnet-4",
    api: "azure-openai-responses",
    fixture: "databricks-prompt-cache-key",
    removes: ["prompt_cache_key"],
    keeps: ["max_output_tokens"],
  },
  {
    model: "databricks-claude-opus-5",
    api: "openai-completions",
    options: { temperature: 0.3 },
    fixture: "databricks-claude-temperature",
    removes: ["store", "temperature"],
    keeps: ["max_completion_tokens"],
  },
  // Anthropic Messages, Claude's default route: LiteLLM passes it through for anthropic/, adapts it for databricks/.
  {
    model: "claude-haiku-4-5",
    api: "anthropic-messages",
    options: { reasoning: "high" },
    removes: [],
    keeps: ["thinking.type", "thinking.budget_tokens", "max_tokens", "system"],
  },
  {
    model: "databricks-claude-sonnet-4",
    api: "anthropic-messages",
    options: { reasoning: "high" },
    removes: [],
    keeps: ["thinking.type", "max_tokens"],
  },
  {
    model: "databricks-claude-opus-5",
    api: "anthropic-messages",
    options: { temperature: 0.3 },
    fixture: "databricks-claude-temperature",
    removes: ["temperature"],
    keeps: ["max_tokens", "system"],
  },
  {
    model: "databricks-gemini-2-5-pro",
    api: "openai-completions",
    options: { reasoning: "high" },
    fixture: "databricks-gemini-reasoning-effort",
    removes: ["reasoning_effort", "store"],
    keeps: ["max_completion_tokens"],
  },
  {
    model: "databricks-gemini-2-5-pro",
    api: "openai-responses",
    options: { ...NO_CACHE, reasoning: "high" },
    fixture: "databricks-gemini-reasoning-effort",
    removes: ["include", "reasoning", "reasoning.effort", "reasoning.summary", "store"],
    keeps: ["max_output_tokens"],
  },
  // pi-ai sends reasoning {effort: "none"} to a reasoning model even with thinking off on this API.
  {
    model: "databricks-gemini-2-5-pro",
    api: "azure-openai-responses",
    fixture: "databricks-gemini-reasoning-effort",
    removes: ["prompt_cache_key", "reasoning", "reasoning.effort"],
    keeps: ["max_output_tokens"],
  },
  // GPT-4.x: extended cache retention is GPT-4.1 and GPT-5.x only; prompt_cache_key stays.
  {
    model: "gpt-4o",
    api: "openai-completions",
    options: LONG_CACHE,
    fixture: "azure-prompt-cache-retention",
    removes: ["prompt_cache_retention"],
    keeps: ["prompt_cache_key", "store"],
  },
  {
    model: "gpt-4o",
    api: "openai-responses",
    options: LONG_CACHE,
    fixture: "azure-prompt-cache-retention",
    removes: ["prompt_cache_retention"],
    keeps: ["prompt_cache_key", "store"],
  },
  {
    model: "gpt-4o",
    api: "azure-openai-responses",
    adds: { prompt_cache_retention: "24h" },
    fixture: "azure-prompt-cache-retention",
    removes: ["prompt_cache_retention"],
    keeps: ["prompt_cache_key"],
  },
  // GPT-5.x and o-series: reasoning models take no temperature; caching fields stay.
  {
    model: "gpt-5",
    api: "openai-completions",
    options: { temperature: 0.5, reasoning: "low" },
    fixture: "azure-gpt5-temperature",
    removes: ["temperature"],
    keeps: ["store", "reasoning_effort"],
  },
  {
    model: "gpt-5",
    api: "openai-responses",
    options: { temperature: 0.5 },
    fixture: "azure-gpt5-temperature",
    removes: ["temperature"],
    keeps: ["prompt_cache_key", "store"],
  },
  {
    model: "gpt-5",
    api: "azure-openai-responses",
    options: { temperature: 0.5 },
    fixture: "azure-gpt5-temperature",
    removes: ["temperature"],
    keeps: ["prompt_cache_key"],
  },
  {
    model: "o3",
    api: "openai-completions",
    options: { temperature: 0.5 },
    fixture: "azure-o-series-temperature",
    removes: ["temperature"],
    keeps: ["store"],
  },
  {
    model: "o3",
    api: "openai-responses",
    options: { temperature: 0.5, reasoning: "high" },
    fixture: "azure-o-series-temperature",
    removes: ["temperature"],
    keeps: ["prompt_cache_key", "store", "reasoning.summary", "include"],
  },
  {
    model: "o3",
    api: "azure-openai-responses",
    options: { temperature: 0.5 },
    fixture: "azure-o-series-temperature",
    removes: ["temperature"],
    keeps: ["prompt_cache_key"],
  },
  // An id no family matches fails open: everything is sent.
  {
    model: "my-company-model",
    api: "openai-completions",
    options: LONG_CACHE,
    removes: [],
    keeps: ["store", "prompt_cache_key", "prompt_cache_retention", "stream_options.include_usage"],
  },
  { model: "my-company-model", api: "openai-responses", removes: [], keeps: ["store", "prompt_cache_key"] },
  { model: "my-company-model", api: "azure-openai-responses", removes: [], keeps: ["prompt_cache_key"] },
];

/** The fixtures the policy table relies on, for the check that every fixture is used. */
export const POLICY_FIXTURES: readonly string[] = POLICY_CASES.flatMap((row) => (row.fixture ? [row.fixture] : []));

const SESSION = "conformance-session";

function label(row: PolicyCase): string {
  const extra = [row.options && JSON.stringify(row.options), row.adds && `adds ${Object.keys(row.adds).join(",")}`].filter(Boolean);
  return `${row.model} on ${row.api}${extra.length ? ` (${extra.join("; ")})` : ""}`;
}

/** The suite, with one fake proxy and one extension instance per wire API. */
export function policySuite(): ConformanceSuite {
  let fake: FakeLiteLLM;
  let fixtures: Fixture[];
  const extensions = new Map<WireApi, LoadedExtension>();

  const requestOptions = (row: PolicyCase): SimpleStreamOptions => ({
    apiKey: API_KEY,
    sessionId: SESSION,
    ...row.options,
    ...(row.adds ? { onPayload: (payload: unknown) => ({ ...(payload as object), ...row.adds }) } : {}),
  });

  /** Runs one request and returns its outcome with the request the fake recorded for it. */
  async function send(
    run: () => ReturnType<typeof collect>,
    model: string,
  ): Promise<[Awaited<ReturnType<typeof collect>>, RecordedRequest]> {
    const before = fake.requests.length;
    const outcome = await run();
    const recorded = fake.requests.slice(before).find((request) => request.model === model);
    assert.ok(recorded, `the fake received no request for ${model}`);
    return [outcome, recorded];
  }

  const unfiltered = (row: PolicyCase) => {
    const extension = extensions.get(row.api)!;
    return send(() => collect(streamWithoutExtension(extension.model(row.model), row.api, requestOptions(row))), row.model);
  };
  const filtered = (row: PolicyCase) => {
    const extension = extensions.get(row.api)!;
    const { apiKey: _key, ...options } = requestOptions(row);
    return send(() => collect(extension.stream(row.model, options)), row.model);
  };

  const cases: ConformanceCase[] = POLICY_CASES.flatMap((row) => {
    const rowCases: ConformanceCase[] = [];
    if (row.fixture) {
      rowCases.push({
        name: `${label(row)}: without the extension, ${row.fixture} is replayed and the stream fails`,
        async run() {
          const fixture = fixtureById(fixtures, row.fixture!);
          const [outcome, recorded] = await unfiltered(row);
          assert.equal(recorded.fixture, fixture.id);
          assert.equal(recorded.status, fixture.status);
          assert.equal(outcome.message.stopReason, "error");
          const message = (fixture.body as { error: { message: string } }).error.message;
          assert.ok(
            outcome.message.errorMessage?.includes(message),
            `error should carry the fixture's message, got: ${outcome.message.errorMessage}`,
          );
        },
      });
    }
    rowCases.push({
      name: `${label(row)}: with the extension the stream completes and lacks exactly ${
        row.removes.length > 0 ? row.removes.join(", ") : "nothing"
      }`,
      async run() {
        const [, control] = await unfiltered(row);
        const [outcome, recorded] = await filtered(row);
        assert.equal(recorded.status, 200, `the fake answered ${recorded.status} (${recorded.fixture ?? "no fixture"})`);
        assert.equal(outcome.message.stopReason, "stop", outcome.message.errorMessage);
        assert.equal(outcome.text, `Hello from ${row.model}.`);
        const sent = fieldPaths(control.body);
        const received = new Set(fieldPaths(recorded.body));
        assert.deepEqual(sent.filter((path) => !received.has(path)).sort(), [...row.removes].sort());
      },
    });
    rowCases.push({
      name: `${label(row)}: fields the family accepts are still sent (${row.keeps.join(", ")})`,
      async run() {
        const [, recorded] = await filtered(row);
        const received = new Set(fieldPaths(recorded.body));
        for (const field of row.keeps) assert.ok(received.has(field), `${field} must still be sent`);
        if (row.model.startsWith("gpt") && row.api !== "openai-completions") {
          assert.equal((recorded.body as { prompt_cache_key?: string }).prompt_cache_key, SESSION);
        }
      },
    });
    return rowCases;
  });

  return {
    name: "parameter policy per family and wire API",
    async before() {
      fixtures = loadFixtures();
      fake = await startFakeLiteLLM(conformanceScenario());
      for (const api of WIRE_APIS) {
        extensions.set(api, await loadExtension({ LITELLM_BASE_URL: fake.url, LITELLM_API_KEY: API_KEY, LITELLM_WIRE_API: api }));
      }
    },
    after: () => fake.close(),
    cases,
  };
}
