import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PiProjectTrust } from "../pi.ts";
import { projectApplies, trustAtLoad, trustAtSession } from "./trust.ts";

/** pi's project trust with the given decisions at load. */
function pi(commandLine: boolean | undefined | null, saved?: boolean | null): PiProjectTrust {
  return { commandLine: () => commandLine, saved: () => saved };
}

describe("trustAtLoad()", () => {
  it("takes pi's command line as final, before anything else", () => {
    assert.deepEqual(trustAtLoad(pi(false, true), "/p", "always"), { state: "untrusted", by: "--approve / --no-approve" });
    assert.deepEqual(trustAtLoad(pi(true, false), "/p", "never"), { state: "trusted", by: "--approve / --no-approve" });
  });

  it("only expects trust from a saved decision or defaultProjectTrust: pi asks project_trust handlers before either", () => {
    assert.deepEqual(trustAtLoad(pi(undefined, true), "/p", "never"), { state: "expected", by: "the decision saved with /trust" });
    assert.deepEqual(trustAtLoad(pi(undefined, undefined), "/p", "always"), {
      state: "expected",
      by: "defaultProjectTrust in ~/.pi/agent/settings.json",
    });
    // A saved or default "no" is pending too: a handler may still trust the project.
    assert.deepEqual(trustAtLoad(pi(undefined, false), "/p", "always"), { state: "pending" });
    assert.deepEqual(trustAtLoad(pi(undefined, undefined), "/p", "never"), { state: "pending" });
  });

  it("leaves the project pending when pi decides later (ask), or when pi's arguments or saved decisions cannot be read", () => {
    assert.deepEqual(trustAtLoad(pi(undefined), "/p", "ask"), { state: "pending" });
    assert.deepEqual(trustAtLoad(pi(undefined), "/p", undefined), { state: "pending" });
    // Never trusted on a guess: an unreadable command line could hold --no-approve, an unreadable trust.json a "no".
    assert.deepEqual(trustAtLoad(pi(null, true), "/p", "always"), { state: "pending" });
    assert.deepEqual(trustAtLoad(pi(undefined, null), "/p", "always"), { state: "pending" });
  });

  it("is ungated on a pi without project trust, where the project's settings apply as pi applies them", () => {
    assert.deepEqual(trustAtLoad(undefined, "/p", "never"), { state: "ungated" });
    assert.equal(projectApplies({ state: "ungated" }), true);
    assert.equal(projectApplies({ state: "trusted", by: "x" }), true);
    assert.equal(projectApplies({ state: "expected", by: "x" }), false);
    assert.equal(projectApplies({ state: "pending" }), false);
    assert.equal(projectApplies({ state: "untrusted", by: "x" }), false);
  });
});

describe("trustAtSession()", () => {
  it("reads pi's decision from the session's context, and nothing on a pi without trust", () => {
    assert.equal(trustAtSession({ isProjectTrusted: () => true }), true);
    assert.equal(trustAtSession({ isProjectTrusted: () => false }), false);
    assert.equal(trustAtSession({}), undefined);
    assert.equal(
      trustAtSession({
        isProjectTrusted: () => {
          throw new Error("This extension ctx is stale");
        },
      }),
      false,
    );
  });
});
