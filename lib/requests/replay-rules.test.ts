import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { learnableField } from "./rejections.ts";
import { REPLAY_RULES, replayFailureLine, replayRuleOf } from "./replay-rules.ts";

describe("replayRuleOf()", () => {
  it("recognises each rule by the backend's own words, wrapped as LiteLLM wraps them", () => {
    for (const rule of REPLAY_RULES) {
      assert.equal(
        replayRuleOf(`400 litellm.BadRequestError: SomeException - ${JSON.stringify({ error: { message: rule.example } })}`),
        rule,
        rule.name,
      );
    }
    assert.equal(replayRuleOf("400 Unsupported parameter: 'store'"), undefined);
  });

  it("is never a field to learn: thinking, signatures and reasoning items are not rejected parameters", () => {
    for (const rule of REPLAY_RULES) {
      assert.equal(
        learnableField(
          `400 ${rule.example}`,
          { thinking: { type: "enabled" }, signature: "x", reasoning: { effort: "high" } },
          "anthropic-messages",
        ),
        undefined,
        rule.name,
      );
    }
  });
});

describe("replayFailureLine()", () => {
  it("names the model, the route and the rule in one line, and says what to do", () => {
    const line = replayFailureLine(REPLAY_RULES[0]!, "claude-sonnet-4-5", "openai-completions");
    assert.equal(line.split("\n").length, 1);
    assert.match(
      line,
      /^LiteLLM: claude-sonnet-4-5 over openai-completions refused the replayed tool turn \(Claude with thinking needs the signed thinking block/,
    );
    assert.match(
      line,
      /thinking stays on, nothing was learned; route claude-sonnet-4-5 over anthropic-messages \(settings: litellm\.models\["claude-sonnet-4-5"\]\.wireApi\)/,
    );
  });
});
