import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { JSON_FILE, readStateFile, STALE_LOCK_MS, updateStateFile, writeFileAtomically } from "./state-file.ts";
import { temporaryDirectory } from "../conformance/temporary.ts";

const dir = () => temporaryDirectory("state-");

/** Makes a file look as old as one a process that died long ago left. */
function age(file: string): void {
  const old = (Date.now() - STALE_LOCK_MS - 1_000) / 1000;
  utimesSync(file, old, old);
}

describe("state files", () => {
  it("reads no file as nothing, and names a file that is not JSON", () => {
    const where = dir();
    assert.deepEqual(readStateFile(join(where, "none.json")), { ok: true, value: undefined });
    writeFileSync(join(where, "bad.json"), "{");
    assert.deepEqual(readStateFile(join(where, "bad.json")), { ok: false, problem: `${join(where, "bad.json")} is not valid JSON` });
  });

  it("reads a file an editor saved with a byte-order mark as the JSON it holds, and bytes that are not UTF-8 as U+FFFD, as before", () => {
    const where = dir();
    writeFileSync(join(where, "bom.json"), "\uFEFF" + '{"rules":[{"model":"modèle"}]}');
    assert.deepEqual(readStateFile(join(where, "bom.json")), { ok: true, value: { rules: [{ model: "modèle" }] } });
    writeFileSync(join(where, "latin1.json"), Buffer.from([0x22, 0xe9, 0x22]));
    assert.deepEqual(readStateFile(join(where, "latin1.json")), { ok: true, value: "\uFFFD" });
  });

  it("leaves no temporary file behind when the rename fails", () => {
    const where = dir();
    mkdirSync(join(where, "taken.json"));
    const result = writeFileAtomically(join(where, "taken.json"), "{}");
    assert.equal(result.ok, false);
    assert.deepEqual(readdirSync(where), ["taken.json"]);
  });

  it("applies a change to the file as it is now, and leaves it alone when the change refuses", async () => {
    const file = join(dir(), "sub", "state.json");
    await updateStateFile(file, () => ({ ok: true, value: { count: 1 } }));
    await updateStateFile(file, (current) => ({ ok: true, value: { count: (current as { count: number }).count + 1 } }));
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { count: 2 });
    assert.deepEqual(await updateStateFile(file, () => ({ ok: false, problem: "newer" })), { ok: false, problem: "newer" });
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { count: 2 });
    // One released lock generation is all the lock leaves.
    assert.deepEqual(readdirSync(join(file, "..")).sort(), ["state.json", "state.json.locks"]);
    assert.deepEqual(readdirSync(`${file}.locks`).map((name) => readFileSync(join(`${file}.locks`, name), "utf8")), ["released"]);
  });

  it("with the lock free, the file is written before the update returns", () => {
    const file = join(dir(), "state.json");
    void updateStateFile(file, () => ({ ok: true, value: { now: true } }));
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { now: true });
  });

  it("a holder that outlived its lock does not release the lock another process took since", async () => {
    const file = join(dir(), "state.json");
    await updateStateFile(file, () => {
      // Meanwhile our lock went stale, and another process created the next generation.
      writeFileSync(join(`${file}.locks`, "1"), "another-process-token");
      return { ok: true, value: { mine: true } };
    });
    assert.equal(readFileSync(join(`${file}.locks`, "1"), "utf8"), "another-process-token");
  });

  it("breaks a lock left by a process that died", async () => {
    const file = join(dir(), "state.json");
    mkdirSync(`${file}.locks`);
    writeFileSync(join(`${file}.locks`, "7"), "a-dead-process-token");
    age(join(`${file}.locks`, "7"));
    assert.equal((await updateStateFile(file, () => ({ ok: true, value: { done: true } }))).ok, true);
    assert.deepEqual(readdirSync(`${file}.locks`), ["8"]);
  });

  it("a lock another process takes while this one breaks a stale lock stays that process's: this one waits for it, without blocking", async () => {
    const file = join(dir(), "state.json");
    const locks = `${file}.locks`;
    mkdirSync(locks);
    writeFileSync(join(locks, "3"), "a-dead-process-token");
    age(join(locks, "3"));
    let changes = 0;
    let breaking = true;
    const update = updateStateFile(
      file,
      () => {
        changes++;
        return { ok: true, value: { after: "the other process" } };
      },
      undefined,
      {
        freeFound(generation) {
          // The race: the other process breaks the same stale lock and takes the next generation first.
          if (breaking) writeFileSync(join(locks, String(generation + 1)), "the-other-process-token");
          breaking = false;
        },
      },
    );
    // Still the other process's, and this update waits on a timer: the test runs on meanwhile.
    assert.equal(readFileSync(join(locks, "4"), "utf8"), "the-other-process-token");
    assert.equal(changes, 0);
    writeFileSync(join(locks, "4"), "released");
    assert.equal((await update).ok, true);
    assert.equal(changes, 1);
    assert.deepEqual(readdirSync(locks), ["5"]);
  });

  it("judges a newest lock it cannot read (another user's, a directory) by its age, so it never wedges the lock", async () => {
    const file = join(dir(), "state.json");
    mkdirSync(join(`${file}.locks`, "2"), { recursive: true });
    age(join(`${file}.locks`, "2"));
    assert.equal((await updateStateFile(file, () => ({ ok: true, value: { after: "a broken lock" } }))).ok, true);
  });

  it("settles with a problem when the change throws, and releases the lock", async () => {
    const file = join(dir(), "state.json");
    const failed = await updateStateFile(file, () => {
      throw new Error("a bug in the change");
    });
    assert.deepEqual(failed, { ok: false, problem: `${file} was not updated (a bug in the change)` });
    assert.equal((await updateStateFile(file, () => ({ ok: true, value: {} }))).ok, true, "the lock was let go");
  });

  it("leaves a file that is not JSON alone, unless told it is a cache to rebuild", async () => {
    const file = join(dir(), "state.json");
    writeFileSync(file, "{");
    assert.equal((await updateStateFile(file, () => ({ ok: true, value: { rebuilt: true } }))).ok, false);
    assert.equal(
      (await updateStateFile(file, () => ({ ok: true, value: { rebuilt: true } }), { ...JSON_FILE, rebuildsBroken: true })).ok,
      true,
    );
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), { rebuilt: true });
  });
});
