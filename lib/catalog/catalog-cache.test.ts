import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, it } from "node:test";
import { CatalogCache } from "./catalog-cache.ts";
import type { Catalog } from "../types.ts";
import type { BuiltModels } from "./models.ts";
import { temporaryDirectory } from "../../conformance/temporary.ts";

const dir = () => temporaryDirectory("catalog-");
const firstLine = (cache: CatalogCache) => readFileSync(cache.file!, "utf8").split("\n")[0]!;
const CATALOG: Catalog = {
  source: "model/info",
  fetchedAt: 1_760_000_000_000,
  models: [{ id: "gpt-5", info: { contextWindow: 272_000 } }],
};
const BUILT: BuiltModels = {
  fingerprint: "f1",
  models: [{
    id: "gpt-5",
    name: "gpt-5",
    reasoning: true,
    input: ["text"],
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    contextWindow: 272_000,
    maxTokens: 128_000,
  }],
  notes: [],
};

describe("CatalogCache", () => {
  it("returns what was written, for the same proxy and key, with the models built from it", () => {
    const where = dir();
    new CatalogCache(where, "http://proxy", "sk-secret-1").write(CATALOG, "merge", BUILT);
    assert.deepEqual(new CatalogCache(where, "http://proxy", "sk-secret-1").read(), { catalog: CATALOG, built: BUILT });
    new CatalogCache(where, "http://proxy", "sk-secret-1").write(CATALOG);
    assert.deepEqual(new CatalogCache(where, "http://proxy", "sk-secret-1").read(), { catalog: CATALOG });
  });

  it("keeps names outside ASCII whole, in the entries and in the built models (the file is read as bytes)", () => {
    const where = dir();
    const catalog: Catalog = { ...CATALOG, models: [{ id: "modèle-日本語-🚀", info: { contextWindow: 8_000 } }] };
    const built: BuiltModels = { ...BUILT, models: [{ ...BUILT.models[0]!, id: "modèle-日本語-🚀", name: "Modèle 日本語 🚀" }] };
    new CatalogCache(where, "http://proxy/ü", "sk-secret-1").write(catalog, "merge", built);
    assert.deepEqual(new CatalogCache(where, "http://proxy/ü", "sk-secret-1").read(), { catalog, built });
  });

  it("never serves another proxy's or another key's catalog", () => {
    const where = dir();
    new CatalogCache(where, "http://proxy", "sk-secret-1").write(CATALOG);
    assert.equal(new CatalogCache(where, "http://other", "sk-secret-1").read(), undefined);
    assert.equal(new CatalogCache(where, "http://proxy", "sk-secret-2").read(), undefined);
    assert.equal(new CatalogCache(where, "http://proxy", undefined).read(), undefined);
  });

  it("never writes the key, in the file name or in the file", () => {
    const where = dir();
    const cache = new CatalogCache(where, "http://proxy", "sk-secret-1");
    cache.write(CATALOG);
    const [name] = readdirSync(where);
    assert.match(name!, /^catalog-[0-9a-f]{24}\.json$/);
    assert.doesNotMatch(readFileSync(join(where, name!), "utf8"), /sk-secret-1/);
  });

  it("ignores empty catalogs, corrupt files, files of another shape and an earlier version's", () => {
    const where = dir();
    const cache = new CatalogCache(where, "http://proxy", "k");
    cache.write({ ...CATALOG, models: [] });
    assert.deepEqual(readdirSync(where), []);
    cache.write(CATALOG);
    const keyHash = JSON.parse(firstLine(cache)).keyHash;
    writeFileSync(cache.file!, "{ broken");
    assert.equal(cache.read(), undefined);
    writeFileSync(cache.file!, JSON.stringify({ version: 1, proxy: "http://proxy", keyHash, catalog: CATALOG }, null, 2));
    assert.equal(cache.read(), undefined, "version 1, pretty-printed");
    cache.write(CATALOG);
    assert.deepEqual(cache.read(), { catalog: CATALOG }, "written over");
  });

  it("serves a file only whole: a truncated or edited body fails its digest, and the next discovery writes over it", () => {
    const where = dir();
    const cache = new CatalogCache(where, "http://proxy", "k");
    cache.write(CATALOG, "merge", BUILT);
    const text = readFileSync(cache.file!, "utf8");
    for (
      const broken of [
        text.slice(0, -20),
        text.replace('"contextWindow":272000', '"contextWindow":"272000"'),
        text.replace('"gpt-5"', '"gpt-5\\u001b]0;x\\u0007"'),
        text.replace(/\n[^]*$/, "\n"),
      ]
    ) {
      assert.notEqual(broken, text);
      writeFileSync(cache.file!, broken);
      assert.equal(cache.read(), undefined, broken.slice(-60));
    }
    cache.write(CATALOG, "merge", BUILT);
    assert.deepEqual(cache.read(), { catalog: CATALOG, built: BUILT });
  });

  it("leaves a newer version's file alone, and merges the unserved routes other processes found unless told to replace them", () => {
    const where = dir();
    const cache = new CatalogCache(where, "http://proxy", "k");
    cache.write({ ...CATALOG, unservedRoutes: ["anthropic-messages"] });
    new CatalogCache(where, "http://proxy", "k").write(CATALOG, "merge", BUILT);
    assert.deepEqual(cache.read()?.catalog.unservedRoutes, ["anthropic-messages"]);
    assert.equal(cache.read()?.built, undefined, "models built without that route's fallback are not kept");
    cache.write(CATALOG, "replace", BUILT);
    assert.deepEqual(cache.read(), { catalog: CATALOG, built: BUILT });
    writeFileSync(cache.file!, '{"version":3}\nwhatever a newer version writes');
    cache.write(CATALOG);
    assert.equal(readFileSync(cache.file!, "utf8"), '{"version":3}\nwhatever a newer version writes');
    assert.equal(cache.read(), undefined);
    // The cache file and its lock's directory, no temporary file.
    assert.deepEqual(readdirSync(where).sort(), [basename(cache.file!), `${basename(cache.file!)}.locks`]);
  });

  it("is a no-op without a directory, or when the directory cannot be written", () => {
    const memoryless = new CatalogCache(undefined, "http://proxy", "k");
    memoryless.write(CATALOG);
    assert.equal(memoryless.read(), undefined);
    const blocker = join(dir(), "blocker");
    writeFileSync(blocker, "");
    const blocked = new CatalogCache(join(blocker, "sub"), "http://proxy", "k");
    blocked.write(CATALOG);
    assert.equal(blocked.read(), undefined);
  });
});
