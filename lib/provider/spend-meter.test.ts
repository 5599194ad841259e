import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SpendMeter } from "./spend-meter.ts";

const USAGE = { input: 1200, output: 56, cacheRead: 1000, cacheWrite: 0 };

/** A meter with a footer and notices the test reads. */
function metered(settings = { footer: true, warnAt: [0.8, 0.95] }, earlier = 0) {
  const meter = new SpendMeter("litellm", settings);
  const footer: (string | undefined)[] = [];
  const warnings: string[] = [];
  meter.started({ setStatus: (text) => footer.push(text), warn: (line) => warnings.push(line) }, earlier);
  return { meter, footer, warnings };
}

describe("SpendMeter", () => {
  it("shows nothing before there is a figure, then the session's cost and the key's spend of its budget with the reset", () => {
    const { meter, footer } = metered();
    assert.deepEqual(footer, [undefined], "a proxy without figures shows nothing");
    meter.turnEnded({ model: "gpt-5", usage: USAGE, cost: 0.25, fromLiteLLM: true });
    meter.turnEnded({ model: "gpt-5", usage: USAGE, cost: 0.17, fromLiteLLM: true });
    assert.equal(footer.at(-1), "litellm $0.42");
    meter.answered({ "x-litellm-key-spend": "12.1", "x-litellm-key-max-budget": "50" });
    assert.equal(footer.at(-1), "litellm $0.42 · key $12.10 of $50.00");
    meter.keyInfo({ resetsAt: "2026-12-07T00:00:00Z" });
    assert.equal(footer.at(-1), "litellm $0.42 · key $12.10 of $50.00, resets Dec 7");
  });

  it("marks a session cost that is partly the proxy's prices, counts a resumed session's earlier turns, and shows a key without a budget", () => {
    const { meter, footer } = metered(undefined, 1);
    meter.turnEnded({ model: "claude", usage: USAGE, cost: 0.5, fromLiteLLM: false });
    meter.answered({ "x-litellm-key-spend": "3" });
    assert.equal(footer.at(-1), "litellm ≈$1.50 · key $3.00");
  });

  it("warns once at each share of the budget it crosses, the highest only when it jumps past several", () => {
    const { meter, warnings } = metered();
    meter.answered({ "x-litellm-key-spend": "7.5", "x-litellm-key-max-budget": "10" });
    meter.answered({ "x-litellm-key-spend": "8.5", "x-litellm-key-max-budget": "10" });
    meter.answered({ "x-litellm-key-spend": "8.6", "x-litellm-key-max-budget": "10" });
    meter.answered({ "x-litellm-key-spend": "9.6", "x-litellm-key-max-budget": "10" });
    meter.answered({ "x-litellm-key-spend": "9.7", "x-litellm-key-max-budget": "10" });
    assert.deepEqual(warnings, [
      "LiteLLM: this key has spent $8.50 of its $10.00 budget (85 %, from x-litellm-key-spend); /litellm spend shows the session's turns",
      "LiteLLM: this key has spent $9.60 of its $10.00 budget (96 %, from x-litellm-key-spend); /litellm spend shows the session's turns",
    ]);
    const jumped = metered();
    jumped.meter.answered({ "x-litellm-key-spend": "9.9", "x-litellm-key-max-budget": "10" });
    assert.equal(jumped.warnings.length, 1);
  });

  it("warns once when a rate limit falls under a tenth, saying whose limit and which header", () => {
    const { meter, warnings } = metered();
    const backend = {
      "x-ratelimit-remaining-requests": "5",
      "x-ratelimit-limit-requests": "100",
      "llm_provider-x-ratelimit-remaining-requests": "5",
    };
    meter.answered({ "x-ratelimit-remaining-requests": "50", "x-ratelimit-limit-requests": "100" });
    meter.answered(backend);
    meter.answered(backend);
    meter.answered({ "x-ratelimit-api_key-remaining-tokens": "900", "x-ratelimit-api_key-limit-tokens": "100000" });
    assert.deepEqual(warnings, [
      "LiteLLM: 5 of 100 requests left in the backend's rate limit, as LiteLLM passes it on (x-ratelimit-remaining-requests); slow down, or pick another model with /model",
      "LiteLLM: 900 of 100,000 tokens left in the proxy's rate limit for this key (x-ratelimit-api_key-remaining-tokens); slow down, or pick another model with /model",
    ]);
  });

  it("keeps the footer off when settings say so, and still warns", () => {
    const { meter, footer, warnings } = metered({ footer: false, warnAt: [0.5] });
    meter.answered({ "x-litellm-key-spend": "6", "x-litellm-key-max-budget": "10" });
    assert.deepEqual(footer, []);
    assert.equal(warnings.length, 1);
  });

  it("reports the turns with their tokens and where each cost came from, the budgets it was told, and what it cannot know", () => {
    const { meter } = metered();
    meter.turnEnded({ model: "gpt-5", usage: USAGE, cost: 0.0421, fromLiteLLM: true });
    meter.turnEnded({
      model: "claude-haiku-4-5",
      usage: { input: 20, output: 8, cacheRead: 0, cacheWrite: 10 },
      cost: 0.0012,
      fromLiteLLM: false,
    });
    meter.answered({ "x-litellm-key-spend": "8.5", "x-litellm-key-max-budget": "10" });
    assert.deepEqual(
      meter.report([{ who: "team platform (/team/info)", spend: 40, maxBudget: 50, resetsAt: "2026-12-31T00:00:00Z" }], [
        "user budget: /user/info unavailable (no database)",
      ]),
      [
        "litellm: this session, 2 turns in this run, $0.0433 (from the proxy's prices where LiteLLM sent no cost)",
        "  gpt-5: 1,200 in, 56 out, 1,000 cache read, 0 cache write: $0.0421 (LiteLLM)",
        "  claude-haiku-4-5: 20 in, 8 out, 0 cache read, 10 cache write: $0.0012 (prices)",
        "  key: spent $8.50 of $10.00 (x-litellm-key-spend)",
        "  team platform (/team/info): spent $40.00 of $50.00, resets 2026-12-31 00:00",
        "  user budget: /user/info unavailable (no database)",
      ],
    );
  });
});
