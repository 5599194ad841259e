import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { readJsonFile, STALE_LOCK_MS, updateJsonFile, writeFileAtomically } from "./state-file.ts";
import { temporaryDirectory } from "../conformance/temporary.ts";


const dir = () => temporaryDirectory("state-");

describe("state files", () => {
  it("reads no file as nothing, and names a file that is not JSON", () => {
    const where = dir();
    assert.deepEqual(readJsonFile(join(where, "none.json")), { ok: true, value: undefined });
    writeFileSync(join(where, "bad.json"), "{");
    assert.deepEqual(readJsonFile(join(where, "bad.json")), { ok: false, problem: `${join(where, "bad.json")} is not valid JSON` });
  });

  it("leaves no temporary file behind when the rename fails", () => {
    const where = dir();
    mkdirSync(join(where, "taken.json"));
    const result = writeFileAtomically(join(where, "taken.json"), "{}");
    assert.equal(result.ok, false);
    assert.deepEqual(readdirSync(where), ["taken.json"]);
  });

  it("applies a change to the file as it is now, and leaves it alone when the change refuses", () => {
    const file = join(dir(), "sub", "state.json");
    updateJsonFile(file, () => ({ ok: true, value: { count: 1 } }));
    updateJsonFile(file, (current) => ({ ok: true, value: { count: (current as { count: number }).count + 1 } }));
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { count: 2 });
    assert.deepEqual(updateJsonFile(file, () => ({ ok: false, problem: "newer" })), { ok: false, problem: "newer" });
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { count: 2 });
    assert.deepEqual(readdirSync(join(file, "..")), ["state.json"]);
  });

  it("a holder that outlived its lock does not remove the lock another process took since", () => {
    const file = join(dir(), "state.json");
    updateJsonFile(file, () => {
      // Meanwhile our lock went stale, was broken and taken by another process.
      writeFileSync(`${file}.lock`, "another-process-token");
      return { ok: true, value: { mine: true } };
    });
    assert.equal(readFileSync(`${file}.lock`, "utf8"), "another-process-token");
  });

  it("breaks a lock left by a process that died", () => {
    const file = join(dir(), "state.json");
    writeFileSync(`${file}.lock`, "");
    const old = (Date.now() - STALE_LOCK_MS - 1_000) / 1000;
    utimesSync(`${file}.lock`, old, old);
    assert.equal(updateJsonFile(file, () => ({ ok: true, value: { done: true } })).ok, true);
    assert.deepEqual(readdirSync(join(file, "..")), ["state.json"]);
  });
});
