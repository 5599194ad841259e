import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PI_TURN_RETRY } from "../../conformance/pi-turn-retry.ts";
import { plainLine, unretryable } from "./turn-retry.ts";

describe("unretryable()", () => {
  it("leaves a line pi would not resend exactly as it is", () => {
    const line = "LiteLLM refused gpt-5: the key is out of budget (spent $500.00 of $400.00); ask the proxy's admin";
    assert.equal(unretryable(line, PI_TURN_RETRY["1.6.0"]), line, "pi 1.6 honours 'out of budget': the figures stay exact");
    assert.equal(unretryable(line, PI_TURN_RETRY["0.87.1"]), line);
  });

  it("keeps every pi's retry off a line it would resend, reading the same, with its URLs byte for byte", () => {
    const line =
      "LiteLLM at http://127.0.0.1:5000 is unavailable for gpt-5: a gateway in front of it answered 502 (Bad Gateway); its server error rate limit";
    for (const [pi, resends] of Object.entries(PI_TURN_RETRY)) {
      const guarded = unretryable(line, resends);
      assert.equal(plainLine(guarded), line, pi);
      assert.ok(guarded.includes("http://127.0.0.1:5000 "), `${pi}: the URL is untouched`);
      assert.equal(
        resends(guarded.replace("http://127.0.0.1:5000", "http://127.0.0.1:4000")),
        false,
        `${pi} would not resend it but for the URL`,
      );
    }
  });

  it("cannot hide a status number that is part of a URL from pi 0.73 and 0.87, which match it anywhere: the stream answers that resend itself", () => {
    const line = "LiteLLM at http://localhost:5000 no longer serves gpt-5";
    assert.equal(PI_TURN_RETRY["0.73.1"](unretryable(line, PI_TURN_RETRY["0.73.1"])), true);
    assert.equal(PI_TURN_RETRY["1.6.0"](line), false, "pi 1.6 matches whole numbers only");
  });
});
