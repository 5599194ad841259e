import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, it } from "node:test";
import { CatalogCache } from "./catalog-cache.ts";
import type { Catalog } from "../types.ts";
import { temporaryDirectory } from "../../conformance/temporary.ts";

const dir = () => temporaryDirectory("catalog-");
const CATALOG: Catalog = {
  source: "model/info",
  fetchedAt: 1_760_000_000_000,
  models: [{ id: "gpt-5", info: { contextWindow: 272_000 } }],
};

describe("CatalogCache", () => {
  it("returns what was written, for the same proxy and key", () => {
    const where = dir();
    new CatalogCache(where, "http://proxy", "sk-secret-1").write(CATALOG);
    assert.deepEqual(new CatalogCache(where, "http://proxy", "sk-secret-1").read(), CATALOG);
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

  it("ignores empty catalogs, corrupt files and files of another shape", () => {
    const where = dir();
    const cache = new CatalogCache(where, "http://proxy", "k");
    cache.write({ ...CATALOG, models: [] });
    assert.deepEqual(readdirSync(where), []);
    cache.write(CATALOG);
    writeFileSync(cache.file!, "{ broken");
    assert.equal(cache.read(), undefined);
    writeFileSync(cache.file!, JSON.stringify({ version: 1, proxy: "http://proxy", keyHash: "x", catalog: CATALOG }));
    assert.equal(cache.read(), undefined);
  });

  it("does not serve a catalog whose fields have the wrong types, and the next discovery writes over it", () => {
    const where = dir();
    const cache = new CatalogCache(where, "http://proxy", "k");
    cache.write(CATALOG);
    const content = JSON.parse(readFileSync(cache.file!, "utf8"));
    for (
      const info of [{ contextWindow: "272000" }, { contextWindow: 0.5 }, { vision: "yes" }, { cost: { input: -1 } }, { unknownField: 1 }]
    ) {
      writeFileSync(cache.file!, JSON.stringify({ ...content, catalog: { ...CATALOG, models: [{ id: "gpt-5", info }] } }));
      assert.equal(cache.read(), undefined, JSON.stringify(info));
    }
    writeFileSync(cache.file!, JSON.stringify({ ...content, catalog: { ...CATALOG, models: [{ id: "gpt\u001b]0;x\u0007" }] } }));
    assert.equal(cache.read(), undefined);
    cache.write(CATALOG);
    assert.deepEqual(cache.read(), CATALOG);
    writeFileSync(cache.file!, "{ not json");
    cache.write(CATALOG);
    assert.deepEqual(cache.read(), CATALOG, "a cache that is not JSON is rebuilt too");
  });

  it("leaves a newer version's file alone, and merges the unserved routes other processes found unless told to replace them", () => {
    const where = dir();
    const cache = new CatalogCache(where, "http://proxy", "k");
    cache.write({ ...CATALOG, unservedRoutes: ["anthropic-messages"] });
    new CatalogCache(where, "http://proxy", "k").write(CATALOG);
    assert.deepEqual(cache.read()?.unservedRoutes, ["anthropic-messages"]);
    cache.write(CATALOG, "replace");
    assert.equal(cache.read()?.unservedRoutes, undefined);
    writeFileSync(cache.file!, '{"version":2}');
    cache.write(CATALOG);
    assert.equal(readFileSync(cache.file!, "utf8"), '{"version":2}');
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
