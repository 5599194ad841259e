import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PiProjectTrust } from "../pi.ts";
import { projectApplies, trustAtLoad, trustAtSession } from "./trust.ts";

/** pi's project trust with the given decisions at load. */
function pi(commandLine: boolean | undefined | null, saved?: boolean): PiProjectTrust {
  return { commandLine: () => commandLine, saved: () => saved };
}

describe("trustAtLoad()", () => {
  it("follows pi's order: the command line, then the saved decision, then defaultProjectTrust", () => {
    assert.deepEqual(trustAtLoad(pi(false, true), "/p", "always"), { state: "untrusted", by: "--approve / --no-approve" });
    assert.deepEqual(trustAtLoad(pi(true, false), "/p", "never"), { state: "trusted", by: "--approve / --no-approve" });
    assert.deepEqual(trustAtLoad(pi(undefined, false), "/p", "always"), { state: "untrusted", by: "the decision saved with /trust" });
    assert.deepEqual(trustAtLoad(pi(undefined, undefined), "/p", "always").state, "trusted");
    assert.deepEqual(trustAtLoad(pi(undefined, undefined), "/p", "never").state, "untrusted");
  });

  it("leaves the project pending when pi decides later (ask), or when pi's arguments cannot be read", () => {
    assert.deepEqual(trustAtLoad(pi(undefined), "/p", "ask"), { state: "pending" });
    assert.deepEqual(trustAtLoad(pi(undefined), "/p", undefined), { state: "pending" });
    // Never trusted on a guess: an unreadable command line could hold --no-approve.
    assert.deepEqual(trustAtLoad(pi(null, true), "/p", "always"), { state: "pending" });
  });

  it("is ungated on a pi without project trust, where the project's settings apply as pi applies them", () => {
    assert.deepEqual(trustAtLoad(undefined, "/p", "never"), { state: "ungated" });
    assert.equal(projectApplies({ state: "ungated" }), true);
    assert.equal(projectApplies({ state: "pending" }), false);
    assert.equal(projectApplies({ state: "untrusted", by: "x" }), false);
  });
});

describe("trustAtSession()", () => {
  it("reads pi's decision from the session's context, and nothing on a pi without trust", () => {
    assert.equal(trustAtSession({ isProjectTrusted: () => true }), true);
    assert.equal(trustAtSession({ isProjectTrusted: () => false }), false);
    assert.equal(trustAtSession({}), undefined);
    assert.equal(trustAtSession({ isProjectTrusted: () => { throw new Error("This extension ctx is stale"); } }), false);
  });
});
