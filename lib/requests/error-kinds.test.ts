import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PI_TURN_RETRY } from "../../conformance/pi-turn-retry.ts";
import { ERROR_KINDS, errorKindOf } from "./error-kinds.ts";
import { backendWaitOf, waitOf } from "./error-text.ts";
import { readProxyError } from "./error-text.ts";
import { plainLine, unretryable } from "./turn-retry.ts";

const CONTEXT = { model: "claude-haiku-4-5", baseUrl: "http://proxy.test:5000", keyVariable: "LITELLM_API_KEY" };
const TAIL = "\n\nLiteLLM: model group 'gpt-5-busy' failed with the error above. No fallback was attempted.";
const AZURE_429 =
  "Rate limit reached for gpt-5-busy in organization org-x on requests per min (RPM): Limit 1, Used 1. Please retry after 2 seconds.";

/** The line each kind's row gives for a text, as the stream hands it to pi before any content. */
const lineFor = (text: string, resends: (line: string) => boolean = () => true) => {
  const error = readProxyError(text);
  return unretryable(errorKindOf(text, error)!.line(text, CONTEXT, error), resends);
};

describe("errorKindOf()", () => {
  const cases: [string, string | undefined][] = [
    ["422 Budget has been exceeded! Key=dev (sk-...1234) Current cost: 12.5, Max budget: 10.0", "budget"],
    ["429 Budget has been exceeded! Team=platform Current cost: 101, Max budget: 100", "budget"],
    [
      '400 {"type":"error","error":{"type":"budget_exceeded","message":"LiteLLM Virtual Key: 1a2b, key_alias: dev, exceeded budget for model=gpt-5"}}',
      "budget",
    ],
    [
      '422 {"type":"error","error":{"type":"invalid_request_error","message":"Budget has been exceeded!","litellm_error_type":"budget_exceeded"}}',
      "budget",
    ],
    [
      '429: {"message":"Rate limit exceeded for api_key: 1a2b. Limit type: requests. Current limit: 10, Remaining: 0. Limit resets at: 2026-11-25 10:00:00 UTC","type":"throttling_error","code":"429"}',
      "throttled",
    ],
    ["429 No deployments available for selected model, Try again in 5 seconds. Passed model=gpt-5.", "cooldown"],
    ["401 Authentication Error - Expired Key. Key Expiry time 2026-01-01 00:00:00 and current time 2026-11-25", "expired-key"],
    ["403 key not allowed to access model. This key can only access models=['a']. Tried to access b", "model-denied"],
    ['403 {"type":"error","error":{"type":"team_model_access_denied","message":"team not allowed"}}', "model-denied"],
    [
      "400 /chat/completions: Invalid model name passed in model=gpt-9. Call `/v1/models` to view available models for your key.",
      "unknown-model",
    ],
    [
      "400 litellm.ContextWindowExceededError: litellm.BadRequestError: AzureException - This model's maximum context length is 128000 tokens.",
      "overflow",
    ],
    ["400 litellm.BadRequestError: DatabricksException - prompt is too long: 210000 tokens > 200000 maximum", "overflow"],
    ["400 No connected db.", "no-database"],
    ["401 Authentication Error, Invalid proxy server token passed. valid_token=None.", "unauthorized"],
    ["401 litellm.AuthenticationError: AnthropicException - invalid x-api-key", "backend-credentials"],
    [
      '401 {"type":"error","error":{"type":"authentication_error","message":"litellm.AuthenticationError: BedrockException - invalid credentials"}}',
      "backend-credentials",
    ],
    ["401 something new", "unauthorized"],
    ["Connection error.", "unreachable"],
    [`429 litellm.RateLimitError: AzureException RateLimitError - ${AZURE_429}${TAIL}`, "backend-rate-limited"],
    [
      `429: ${
        JSON.stringify({
          message: `litellm.RateLimitError: AzureException RateLimitError - ${AZURE_429}${TAIL}`,
          type: "throttling_error",
          param: null,
          code: "429",
        })
      }`,
      "backend-rate-limited",
    ],
    ["503 upstream gone", "backend-failed"],
    [
      '500: {"message":"litellm.InternalServerError: InternalServerError: Hosted_vllmException - boom","type":"internal_server_error","code":"500"}',
      "backend-failed",
    ],
    ["400 Unsupported parameter: 'store'", "other"],
    ['418 {"error":{"message":"I am a teapot","type":"teapot"}}', "other"],
    ["Request was aborted", undefined],
    ["No API key for provider: litellm", undefined],
  ];
  for (const [text, kind] of cases) {
    it(`reads ${kind ?? "no kind"} from ${text.slice(0, 70)}`, () => assert.equal(errorKindOf(text)?.kind, kind));
  }

  it("recognises every row's own example", () => {
    for (const row of ERROR_KINDS) assert.equal(errorKindOf(row.example)?.kind, row.kind, row.example);
  });
});

describe("the lines", () => {
  it("are one line each, without JSON or LiteLLM's class prefixes, with the proxy's URL byte for byte", () => {
    for (const row of ERROR_KINDS) {
      const line = plainLine(lineFor(row.example));
      assert.equal(line.split("\n").length, 1, row.kind);
      assert.doesNotMatch(line, /\{"|litellm\.\w+Error|Exception -/, `${row.kind}: ${line}`);
      if (line.includes("http://proxy.test")) {
        assert.ok(lineFor(row.example).includes("http://proxy.test:5000"), `${row.kind}: the URL copies as it is`);
      }
    }
  });

  it("keep each pi's turn retry off a kind that is not to be sent again by pi, on 0.73.1, 0.87.1 and 1.6.0", () => {
    for (const [pi, resends] of Object.entries(PI_TURN_RETRY)) {
      for (const row of ERROR_KINDS.filter((candidate) => candidate.retry !== "compact")) {
        // A port that is a status number would be matched inside the URL by 0.73 and 0.87: the stream answers that itself.
        const line = unretryable(
          row.line(row.example, { ...CONTEXT, baseUrl: "http://proxy.test:4000" }, readProxyError(row.example)),
          resends,
        );
        assert.equal(resends(line), false, `${pi} ${row.kind}: ${line}`);
      }
    }
  });

  it("keep the figures exact where pi allows it: pi 0.87 and 1.6 do not resend the budget's line, whatever its figures", () => {
    const text = "422 Budget has been exceeded! Key=k Current cost: 500.5, Max budget: 500.0";
    for (const pi of ["0.87.1", "1.6.0"] as const) assert.match(lineFor(text, PI_TURN_RETRY[pi]), /spent \$500\.50 of \$500\.00/, pi);
    assert.doesNotMatch(lineFor(text, PI_TURN_RETRY["0.73.1"]), /\$500/, "pi 0.73 matches 500 anywhere");
  });

  it("give the backend's own words for its 429 and 5xx, the model, and what to do", () => {
    const busy = plainLine(lineFor(`429 litellm.RateLimitError: AzureException RateLimitError - ${AZURE_429}${TAIL}`));
    assert.equal(
      busy,
      `LiteLLM: claude-haiku-4-5's backend (Azure) refused it, its quota exceeded for now: "${AZURE_429}"; try again in a minute, or pick another model with /model`,
    );
    const failed = plainLine(
      lineFor(
        '500: {"message":"litellm.InternalServerError: InternalServerError: Hosted_vllmException - {\\"object\\":\\"error\\",\\"message\\":\\"CUDA out of memory\\"}","type":"internal_server_error"}',
      ),
    );
    assert.equal(
      failed,
      `LiteLLM: claude-haiku-4-5's backend (Hosted_vllm) failed (500): "CUDA out of memory"; try again later, or pick another model with /model`,
    );
    const other = plainLine(lineFor('418 {"error":{"message":"I am a teapot","type":"teapot"}}'));
    assert.equal(other, `LiteLLM refused claude-haiku-4-5 (418): "I am a teapot"; if it persists, ask the proxy's admin`);
  });

  it("say what a user needs: the budget figures, the expiry, the models allowed, the proxy URL, the overflow pi compacts on", () => {
    const line = (kind: string, text: string) => ERROR_KINDS.find((row) => row.kind === kind)!.line(text, CONTEXT, readProxyError(text));
    assert.match(
      line("budget", "Budget has been exceeded! Key=dev Current cost: 12.5, Max budget: 10.0"),
      /out of budget \(spent \$12\.50 of \$10\.00\)/,
    );
    assert.match(
      line("expired-key", "Expired Key. Key Expiry time 2026-01-01 00:00:00 and"),
      /expired on 2026-01-01 00:00:00; .*LITELLM_API_KEY/,
    );
    assert.match(line("model-denied", "can only access models=['a', 'b']. Tried"), /may use a, b/);
    assert.match(line("unreachable", "Connection error."), /LiteLLM at http:\/\/proxy\.test:5000 cannot be reached/);
    assert.match(line("overflow", "prompt is too long"), /context_length_exceeded/);
  });
});

describe("waitOf() and backendWaitOf()", () => {
  it("read LiteLLM's 'Try again in N seconds' and 'Limit resets at'", () => {
    assert.equal(waitOf("Try again in 5 seconds."), 5000);
    assert.equal(waitOf("Limit resets at: 2026-11-25 10:00:30 UTC", Date.parse("2026-11-25T10:00:00Z")), 30_000);
    assert.equal(waitOf("Limit resets at: 2026-11-25 09:00:00 UTC", Date.parse("2026-11-25T10:00:00Z")), 0);
    assert.equal(waitOf("no wait here"), undefined);
  });

  it("read a backend's own 'retry after N seconds'", () => {
    assert.equal(backendWaitOf(AZURE_429), 2000);
    assert.equal(backendWaitOf("Number of request tokens has exceeded your per-minute rate limit"), undefined);
  });

  it("say as much as LiteLLM's text allows when its figures are missing", () => {
    const line = (kind: string, text: string) => ERROR_KINDS.find((row) => row.kind === kind)!.line(text, CONTEXT, readProxyError(text));
    assert.match(
      line("budget", "Budget has been exceeded! Team=platform"),
      /^LiteLLM refused claude-haiku-4-5: the team is out of budget; ask/,
    );
    assert.match(line("throttled", "Rate limit exceeded for api_key: x"), /allows it its requests per window; try again/);
    assert.match(line("cooldown", "No deployments available for selected model"), /\(for 0 s\)/);
    assert.match(line("expired-key", "Expired Key"), /^LiteLLM refused claude-haiku-4-5: the key expired; ask/);
    assert.match(line("model-denied", "not allowed to access model"), /^LiteLLM: this key may not use claude-haiku-4-5; the model list/);
    assert.match(line("gateway", "502 <html><body>down</body></html>"), /answered 502 with an HTML page; try again later$/);
    assert.match(line("gateway", "502 <html><title>Bad</title></html>"), /\(Bad\)/);
    assert.match(line("unreachable", "getaddrinfo ENOTFOUND proxy.test"), /its host name does not resolve/);
    assert.equal(line("redirected", "307 redirected to another origin"), "redirected to another origin");
    assert.match(line("backend-failed", "503 upstream gone"), /failed \(503\): "upstream gone"/);
    assert.match(line("other", '{"error":{"message":"odd"}}'), /^LiteLLM refused claude-haiku-4-5: "odd"/);
    assert.match(quotedLong(), /x…"; try again later/);
  });
});

/** A backend's very long words, as a line quotes them. */
function quotedLong(): string {
  const text = `500 ${"x".repeat(500)}`;
  return ERROR_KINDS.find((row) => row.kind === "backend-failed")!.line(text, CONTEXT, readProxyError(text));
}
