import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { LearnedRules } from "./learned-rules.ts";
import { temporaryDirectory } from "../../conformance/temporary.ts";

const fileIn = (dir = temporaryDirectory("rules-")) => join(dir, "litellm", "learned-rules.json");
const RULE = {
  model: "acme-1",
  wireApi: "openai-completions" as const,
  field: "store",
  reason: "400 Unrecognized request argument supplied: store",
};

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

  it("leaves a file it cannot read, or that a newer version wrote, as it is, and says so", () => {
    for (
      const [content, problem] of [
        ["{ not json", /is not valid JSON; rules learned now apply to this session only/],
        ['{"version":2,"proxies":{},"owners":["x"]}', /written by a newer version of this extension \(format 2\); it is left as it is/],
        ['{"version":1,"proxies":[]}', /not a learned-rules file this extension understands/],
      ] as const
    ) {
      const file = fileIn();
      new LearnedRules(file, "http://a").learn(RULE);
      writeFileSync(file, content);
      const rules = new LearnedRules(file, "http://a");
      assert.match(rules.problem ?? "", problem);
      assert.equal(rules.learn(RULE), true);
      assert.deepEqual(rules.fieldsFor("acme-1", "openai-completions"), ["store"]);
      assert.equal(readFileSync(file, "utf8"), content);
    }
  });

  it("never learns or applies a protected field or a name every object has", () => {
    const file = fileIn();
    const rules = new LearnedRules(file, "http://a");
    for (const field of ["messages", "model", "input", "stream", "tools", "__proto__", "constructor"]) {
      assert.equal(rules.learn({ ...RULE, field }), false, field);
    }
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        proxies: {
          "http://a": [{ ...RULE, field: "messages", learnedAt: "2026-11-01T00:00:00Z" }, { ...RULE, learnedAt: "2026-11-01T00:00:00Z" }],
        },
      }),
    );
    assert.deepEqual(new LearnedRules(file, "http://a").fieldsFor("acme-1", "openai-completions"), ["store"]);
  });

  it("writes back, as found, stored rules this version cannot apply (a newer wire API)", () => {
    const file = fileIn();
    const newer = { model: "m", wireApi: "some-future-api", field: "store", learnedAt: "2026-11-01T00:00:00Z", reason: "400" };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ version: 1, proxies: { "http://a": [newer] } }));
    const rules = new LearnedRules(file, "http://a");
    assert.deepEqual(rules.list(), []);
    rules.learn(RULE);
    const stored = JSON.parse(readFileSync(file, "utf8")).proxies["http://a"];
    assert.deepEqual(stored.map((rule: { wireApi: string }) => rule.wireApi), ["openai-completions", "some-future-api"]);
  });

  it("merges what two providers on one proxy learn in one process, and forgets others' rules too", () => {
    const file = fileIn();
    const main = new LearnedRules(file, "http://a");
    const alias = new LearnedRules(file, "http://a");
    main.learn(RULE);
    alias.learn({ ...RULE, field: "temperature" });
    assert.deepEqual(new LearnedRules(file, "http://a").fieldsFor("acme-1", "openai-completions"), ["store", "temperature"]);
    assert.equal(main.forget(), 1);
    assert.deepEqual(new LearnedRules(file, "http://a").list(), []);
    alias.learn({ ...RULE, field: "top_k" });
    assert.deepEqual(new LearnedRules(file, "http://a").fieldsFor("acme-1", "openai-completions"), ["top_k"]);
  });

  it("keeps every rule when 16 pi processes learn 40 rules each at once, two per proxy, and leaves no temporary file", async () => {
    const file = fileIn();
    const module = join(dirname(fileURLToPath(import.meta.url)), "learned-rules.ts");
    // Each process loads, says it is ready, and learns only once every process is ready.
    const worker = `const { LearnedRules } = await import(${JSON.stringify(module)});
      const [file, proxy, process_] = process.argv.slice(-3);
      const rules = new LearnedRules(file, proxy);
      process.stdout.write("ready\\n");
      await new Promise((resolve) => process.stdin.once("data", resolve));
      for (let i = 0; i < 40; i++) rules.learn({ model: "m-" + process_, wireApi: "openai-completions", field: "f" + i, reason: "400" });
      await rules.saved;
      process.stdin.destroy();`;
    const children = Array.from(
      { length: 16 },
      (_, index) =>
        spawn(process.execPath, [
          "--import",
          "tsx",
          "--input-type=module",
          "--eval",
          worker,
          file,
          `http://proxy-${index % 8}`,
          String(index),
        ], { stdio: ["pipe", "pipe", "inherit"] }),
    );
    const exits = children.map((child) => new Promise<number | null>((resolve) => child.on("exit", resolve)));
    await Promise.all(children.map((child) => new Promise((resolve) => child.stdout.once("data", resolve))));
    for (const child of children) child.stdin.write("go\n");
    const runs = exits;
    assert.deepEqual(await Promise.all(runs), Array(16).fill(0));
    const stored = JSON.parse(readFileSync(file, "utf8")) as { proxies: Record<string, unknown[]> };
    assert.equal(Object.values(stored.proxies).flat().length, 640);
    assert.equal(Object.keys(stored.proxies).length, 8);
    assert.deepEqual(readdirSync(dirname(file)).sort(), ["learned-rules.json", "learned-rules.json.locks"]);
  });

  it("while another pi process holds the lock, a rule applies at once and pi's thread runs on; the rule is written once the lock is let go", async () => {
    const file = fileIn();
    const rules = new LearnedRules(file, "http://a");
    mkdirSync(`${file}.locks`, { recursive: true });
    writeFileSync(join(`${file}.locks`, "0"), "another-pi-process");
    assert.equal(rules.learn(RULE), true);
    assert.deepEqual(rules.fieldsFor("acme-1", "openai-completions"), ["store"]);
    // The thread is free: a callback queued now runs while the save still waits.
    let ranMeanwhile = false;
    await new Promise<void>((resolve) => setImmediate(() => resolve(void (ranMeanwhile = true))));
    assert.equal(ranMeanwhile, true);
    assert.throws(() => readFileSync(file, "utf8"), /ENOENT/);
    writeFileSync(join(`${file}.locks`, "0"), "released");
    await rules.saved;
    assert.deepEqual(new LearnedRules(file, "http://a").fieldsFor("acme-1", "openai-completions"), ["store"]);
  });

  it("keeps rules in memory when the file cannot be written", () => {
    // A file where the directory should be fails for every user, root included.
    const blocker = join(dirname(dirname(fileIn())), "blocker");
    writeFileSync(blocker, "");
    const rules = new LearnedRules(join(blocker, "litellm", "rules.json"), "http://a");
    assert.equal(rules.learn(RULE), true);
    assert.deepEqual(rules.fieldsFor("acme-1", "openai-completions"), ["store"]);
    assert.equal(readFileSync(blocker, "utf8"), "");
  });
});
