import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { LearnedRules } from "./learned-rules.ts";

const fileIn = (dir = mkdtempSync(join(tmpdir(), "rules-"))) => join(dir, "litellm", "learned-rules.json");
const RULE = { model: "acme-1", wireApi: "openai-completions" as const, field: "store", reason: "400 Unrecognized request argument supplied: store" };

describe("LearnedRules", () => {
  it("remembers a field per model and wire API, once", () => {
    const rules = new LearnedRules(undefined, "http://proxy");
    assert.equal(rules.learn(RULE), true);
    assert.equal(rules.learn(RULE), false);
    assert.deepEqual(rules.fieldsFor("acme-1", "openai-completions"), ["store"]);
    assert.deepEqual(rules.fieldsFor("acme-1", "openai-responses"), []);
    assert.deepEqual(rules.fieldsFor("acme-2", "openai-completions"), []);
  });

  it("persists across instances, per proxy, keeping other proxies' rules", () => {
    const file = fileIn();
    new LearnedRules(file, "http://a").learn(RULE, new Date("2026-11-24T10:00:00Z"));
    new LearnedRules(file, "http://b").learn({ ...RULE, field: "temperature" });
    assert.deepEqual(new LearnedRules(file, "http://a").fieldsFor("acme-1", "openai-completions"), ["store"]);
    assert.deepEqual(new LearnedRules(file, "http://b").fieldsFor("acme-1", "openai-completions"), ["temperature"]);
    assert.equal(new LearnedRules(file, "http://a").list()[0]?.learnedAt, "2026-11-24T10:00:00.000Z");
    assert.equal(JSON.parse(readFileSync(file, "utf8")).version, 1);
  });

  it("forgets this proxy's rules only", () => {
    const file = fileIn();
    new LearnedRules(file, "http://a").learn(RULE);
    new LearnedRules(file, "http://b").learn(RULE);
    assert.equal(new LearnedRules(file, "http://a").forget(), 1);
    assert.deepEqual(new LearnedRules(file, "http://a").list(), []);
    assert.equal(new LearnedRules(file, "http://b").list().length, 1);
  });

  it("starts empty from a corrupt file and replaces it on the next rule", () => {
    const file = fileIn();
    new LearnedRules(file, "http://a").learn(RULE);
    writeFileSync(file, "{ not json");
    const rules = new LearnedRules(file, "http://a");
    assert.deepEqual(rules.list(), []);
    rules.learn(RULE);
    assert.equal(new LearnedRules(file, "http://a").list().length, 1);
  });

  it("keeps rules in memory when the file cannot be written", () => {
    // A file where the directory should be fails for every user, root included.
    const blocker = join(mkdtempSync(join(tmpdir(), "rules-")), "blocker");
    writeFileSync(blocker, "");
    const rules = new LearnedRules(join(blocker, "litellm", "rules.json"), "http://a");
    assert.equal(rules.learn(RULE), true);
    assert.deepEqual(rules.fieldsFor("acme-1", "openai-completions"), ["store"]);
    assert.equal(readFileSync(blocker, "utf8"), "");
  });
});
