import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ERROR_KINDS, errorKindOf, unretryable, waitOf } from "./error-kinds.ts";

/** pi-coding-agent's `_isRetryableError` pattern, copied from its source (dist/core/agent-session.js). */
const PI_TURN_RETRY =
  /overloaded|provider.?returned.?error|rate.?limit|too many requests|429|500|502|503|504|service.?unavailable|server.?error|internal.?error|network.?error|connection.?error|connection.?refused|connection.?lost|websocket.?closed|websocket.?error|other side closed|fetch failed|upstream.?connect|reset before headers|socket hang up|ended without|http2 request did not get a response|timed? out|timeout|terminated|retry delay/i;

const CONTEXT = { model: "claude-haiku-4-5", baseUrl: "http://proxy.test", keyVariable: "LITELLM_API_KEY" };

describe("errorKindOf()", () => {
  const cases: [string, string | undefined][] = [
    ["422 Budget has been exceeded! Key=dev (sk-...1234) Current cost: 12.5, Max budget: 10.0", "budget"],
    ["429 Budget has been exceeded! Team=platform Current cost: 101, Max budget: 100", "budget"],
    ['400 {"type":"error","error":{"type":"budget_exceeded","message":"LiteLLM Virtual Key: 1a2b, key_alias: dev, exceeded budget for model=gpt-5"}}', "budget"],
    ["429 Rate limit exceeded for api_key: 1a2b. Limit type: requests. Current limit: 10, Remaining: 0. Limit resets at: 2026-11-25 10:00:00 UTC", "throttled"],
    ["429 No deployments available for selected model, Try again in 5 seconds. Passed model=gpt-5.", "cooldown"],
    ["401 Authentication Error - Expired Key. Key Expiry time 2026-01-01 00:00:00 and current time 2026-11-25", "expired-key"],
    ["403 key not allowed to access model. This key can only access models=['a']. Tried to access b", "model-denied"],
    ['403 {"type":"error","error":{"type":"team_model_access_denied","message":"team not allowed"}}', "model-denied"],
    ["400 /chat/completions: Invalid model name passed in model=gpt-9. Call `/v1/models` to view available models for your key.", "unknown-model"],
    ["400 litellm.ContextWindowExceededError: litellm.BadRequestError: AzureException - This model's maximum context length is 128000 tokens.", "overflow"],
    ["400 litellm.BadRequestError: DatabricksException - prompt is too long: 210000 tokens > 200000 maximum", "overflow"],
    ["400 No connected db.", "no-database"],
    ["401 Authentication Error, Invalid proxy server token passed. valid_token=None.", "unauthorized"],
    ["401 litellm.AuthenticationError: AnthropicException - invalid x-api-key", "backend-credentials"],
    ['401 {"type":"error","error":{"type":"authentication_error","message":"litellm.AuthenticationError: BedrockException - invalid credentials"}}', "backend-credentials"],
    ["401 something new", "unauthorized"],
    ["Connection error.", "unreachable"],
    ["429 litellm.RateLimitError: AnthropicException - overloaded", "backend-busy"],
    ["503 upstream gone", "backend-busy"],
    ["400 Unsupported parameter: 'store'", undefined],
  ];
  for (const [text, kind] of cases) {
    it(`reads ${kind ?? "no kind"} from ${text.slice(0, 60)}`, () => assert.equal(errorKindOf(text)?.kind, kind));
  }

  it("recognises every row's own example", () => {
    for (const row of ERROR_KINDS) assert.equal(errorKindOf(row.example)?.kind, row.kind, row.example);
  });

  it("writes lines for kinds that cannot succeed so that pi's turn retry does not fire on them", () => {
    for (const row of ERROR_KINDS.filter((candidate) => candidate.retry !== "pi")) {
      const line = row.line(row.example, CONTEXT);
      assert.doesNotMatch(line, PI_TURN_RETRY, `${row.kind}: ${line}`);
      assert.equal(line.split("\n").length, 1, row.kind);
    }
  });

  it("keeps pi's turn retry away from status-like figures and ports, without changing what the line reads", () => {
    const budget = ERROR_KINDS.find((row) => row.kind === "budget")!.line("Budget has been exceeded! Key=k Current cost: 500.5, Max budget: 500.0", { ...CONTEXT, baseUrl: "http://proxy.test:5000" });
    assert.match(budget, PI_TURN_RETRY, "the raw line would be retried");
    const safe = unretryable(budget);
    assert.doesNotMatch(safe, PI_TURN_RETRY);
    assert.equal(safe.replaceAll("\u2060", ""), budget);
  });

  it("says what a user needs: the budget figures, the expiry, the models allowed, the proxy URL, the overflow pi compacts on", () => {
    const line = (kind: string, text: string) => ERROR_KINDS.find((row) => row.kind === kind)!.line(text, CONTEXT);
    assert.match(line("budget", "Budget has been exceeded! Key=dev Current cost: 12.5, Max budget: 10.0"), /spent \$12\.50 of \$10\.00/);
    assert.match(line("expired-key", "Expired Key. Key Expiry time 2026-01-01 00:00:00 and"), /expired on 2026-01-01 00:00:00; .*LITELLM_API_KEY/);
    assert.match(line("model-denied", "can only access models=['a', 'b']. Tried"), /may use a, b/);
    assert.match(line("unreachable", "Connection error."), /LiteLLM at http:\/\/proxy\.test cannot be reached/);
    assert.match(line("overflow", "prompt is too long"), /context_length_exceeded/);
  });
});

describe("waitOf()", () => {
  it("reads LiteLLM's 'Try again in N seconds' and 'Limit resets at'", () => {
    assert.equal(waitOf("Try again in 5 seconds."), 5000);
    assert.equal(waitOf("Limit resets at: 2026-11-25 10:00:30 UTC", Date.parse("2026-11-25T10:00:00Z")), 30_000);
    assert.equal(waitOf("Limit resets at: 2026-11-25 09:00:00 UTC", Date.parse("2026-11-25T10:00:00Z")), 0);
    assert.equal(waitOf("no wait here"), undefined);
  });
});
