import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { readProxyError } from "./error-text.ts";

/** What pi printed through the real LiteLLM 1.106.12 for an Azure backend's persistent 429, per pi and route. */
const AZURE_429 =
  "Rate limit reached for gpt-5-busy in organization org-x on requests per min (RPM): Limit 1, Used 1. Please retry after 2 seconds.";
const TAIL = "\n\nLiteLLM: model group 'gpt-5-busy' failed with the error above. No fallback was attempted.";

describe("readProxyError()", () => {
  it("reads every client's frame the same: pi 0.73's OpenAI client, pi 0.87/1.x's Chat Completions and Responses, the Anthropic client", () => {
    const texts = [
      `429 litellm.RateLimitError: AzureException RateLimitError - ${AZURE_429}${TAIL}`,
      `429: ${
        JSON.stringify({
          message: `litellm.RateLimitError: AzureException RateLimitError - ${AZURE_429}${TAIL}`,
          type: "throttling_error",
          param: null,
          code: "429",
        })
      }`,
      `litellm API error (429): ${
        JSON.stringify({
          message: `litellm.RateLimitError: AzureException RateLimitError - ${
            JSON.stringify({ error: { code: "429", message: AZURE_429 } })
          }${TAIL}`,
          type: "throttling_error",
          param: null,
          code: "429",
        })
      }`,
    ];
    for (const text of texts) {
      const error = readProxyError(text);
      assert.equal(error.status, 429, text);
      assert.equal(error.message, AZURE_429, text);
      assert.deepEqual(error.classes, ["RateLimitError"], text);
      assert.equal(error.provider, "Azure", text);
    }
    assert.equal(readProxyError(texts[1]!).type, "throttling_error");
  });

  it("reads the Anthropic envelope around LiteLLM's message around Anthropic's own body", () => {
    const inner = {
      type: "error",
      error: {
        type: "rate_limit_error",
        message: "Number of request tokens has exceeded your per-minute rate limit (https://docs.anthropic.com/en/api/rate-limits)",
      },
    };
    const text = `429 ${
      JSON.stringify({
        type: "error",
        error: {
          type: "rate_limit_error",
          message: `litellm.RateLimitError: AnthropicException - ${
            JSON.stringify(inner)
          }\n\nLiteLLM: model group 'claude-busy' failed with the error above. No fallback was attempted.`,
        },
      })
    }`;
    assert.deepEqual(readProxyError(text), {
      status: 429,
      type: "rate_limit_error",
      classes: ["RateLimitError"],
      provider: "Anthropic",
      message: "Number of request tokens has exceeded your per-minute rate limit (https://docs.anthropic.com/en/api/rate-limits)",
    });
  });

  it("reads LiteLLM 1.110's litellm_error_type in the Anthropic envelope as the type", () => {
    const text = `422 ${
      JSON.stringify({
        type: "error",
        error: {
          type: "invalid_request_error",
          message: "Budget has been exceeded! Key=k Current cost: 12.5, Max budget: 10.0",
          litellm_error_type: "budget_exceeded",
        },
      })
    }`;
    assert.equal(readProxyError(text).type, "budget_exceeded");
  });

  it("takes off a bare class before the provider's prefix, and reads a vLLM body", () => {
    const body = JSON.stringify({
      object: "error",
      message: "Internal server error: CUDA out of memory",
      type: "InternalServerError",
      code: 500,
    });
    const error = readProxyError(
      `500: ${
        JSON.stringify({
          message:
            `litellm.InternalServerError: InternalServerError: Hosted_vllmException - ${body}\n\nLiteLLM: model group 'acme-broken' failed with the error above. No fallback was attempted.`,
          type: "internal_server_error",
          param: null,
          code: "500",
        })
      }`,
    );
    assert.deepEqual([error.status, error.provider, error.message], [500, "Hosted_vllm", "Internal server error: CUDA out of memory"]);
  });

  it("reads older proxies' tails, nested classes, Python bytes literals and Databricks' unescaped JSON", () => {
    assert.equal(
      readProxyError(
        '400 litellm.BadRequestError: AzureException BadRequestError - {\n  "error": {\n    "message": "Unsupported parameter: \'temperature\' is not supported with this model.",\n    "type": "invalid_request_error"\n  }\n}. Received Model Group=gpt-5\nAvailable Model Group Fallbacks=None LiteLLM Retried: 1 times, LiteLLM Max Retries: 2',
      ).message,
      "Unsupported parameter: 'temperature' is not supported with this model.",
    );
    const nested = readProxyError(
      '400 litellm.BadRequestError: litellm.ContextWindowExceededError: AnthropicException - b\'{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 213462 tokens > 200000 maximum"}}\'',
    );
    assert.deepEqual([nested.classes, nested.message], [
      ["BadRequestError", "ContextWindowExceededError"],
      "prompt is too long: 213462 tokens > 200000 maximum",
    ]);
    assert.equal(
      readProxyError(
        '400 litellm.BadRequestError: DatabricksException - {"error_code":"BAD_REQUEST","message":"{\\"error\\":\\"Bad request: parameter \\"reasoning_effort\\" must be a string\\"}"}',
      ).message,
      'Bad request: parameter "reasoning_effort" must be a string',
    );
  });

  it("leaves a text that is no proxy error as it is: pi's own, or a network failure", () => {
    assert.deepEqual(readProxyError("Connection error."), { classes: [], message: "Connection error." });
    assert.deepEqual(readProxyError("Request was aborted"), { classes: [], message: "Request was aborted" });
  });

  it("reads a list of validation errors (vLLM's, pydantic's) as each one's place and text", () => {
    const body = {
      object: "error",
      message: '[{"type":"extra_forbidden","loc":["body","store"],"msg":"Extra inputs are not permitted","input":false}]',
      type: "BadRequestError",
      code: 400,
    };
    const error = readProxyError(`400 litellm.BadRequestError: Hosted_vllmException - ${JSON.stringify(body)}`);
    assert.equal(error.message, "store: Extra inputs are not permitted");
  });

  for (const release of ["1.106.12", "1.110.2"]) {
    it(`reads what the real LiteLLM ${release} answered for each busy backend, on every route, to the backend's own words`, () => {
      const dir = new URL(`../../fixtures/real-litellm-${release}/`, import.meta.url);
      const said: Record<string, string> = {
        "busy-gpt-5-busy-openai-completions":
          "Rate limit reached for the deployment in organization org-real-tier on requests per min (RPM). Please retry after 2 seconds.",
        "busy-gpt-5-busy-openai-responses":
          "Rate limit reached for the deployment in organization org-real-tier on requests per min (RPM). Please retry after 2 seconds.",
        "busy-claude-busy-anthropic-messages": "Number of request tokens has exceeded your per-minute rate limit",
        "busy-acme-busy-openai-completions": "Internal server error: CUDA out of memory",
      };
      const files = readdirSync(dir).filter((file) => file.startsWith("busy-"));
      assert.deepEqual(files.map((file) => file.replace(/\.json$/, "")).sort(), Object.keys(said).sort());
      for (const file of files) {
        const recorded = JSON.parse(readFileSync(new URL(file, dir), "utf8")) as { status: number; body: string };
        assert.equal(readProxyError(`${recorded.status} ${recorded.body}`).message, said[file.replace(/\.json$/, "")], file);
      }
    });
  }

  it("keeps what it cannot take apart: broken JSON, a body without text, a FastAPI detail, JSON nested past any sense", () => {
    assert.equal(readProxyError("400 {not json").message, "{not json");
    assert.equal(readProxyError('404 {"detail":"Not Found"}').message, "Not Found");
    assert.equal(readProxyError('500 {"error":{"code":500}}').message, '{"error":{"code":500}}');
    assert.equal(readProxyError('400 [{"loc":["body"]}]').message, '[{"loc":["body"]}]');
    let deep = '"innermost"';
    for (let level = 0; level < 12; level++) deep = JSON.stringify({ error: { message: JSON.parse(deep) } });
    assert.ok(readProxyError(`400 ${deep}`).message.length > 0);
  });
});
