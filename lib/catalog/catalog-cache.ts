/**
 * The discovered catalog on disk, so a warm start registers models without waiting for the proxy.
 * One file per proxy URL and key, named by a hash of both: the key itself is never written. Beside
 * the catalog it keeps the models built from it for pi, so a warm start registers them as they are.
 *
 * A file is served only whole and as this version wrote it: a header line (its version, proxy, a
 * hash of the key, the digest of the rest), then the body, whose catalog entries are parsed only
 * when something reads them. A truncated, corrupted or hand-edited
 * body fails its digest and is not served, and the next discovery writes over it; a file from a
 * newer version is left alone. The digest costs one hash over the text, where checking thousands
 * of models field by field cost more than the rest of a warm start (the README's benchmark). It
 * is integrity, not authentication: whoever can write pi's agent directory can write its settings.
 * Routes the proxy does not serve are merged with what other pi processes found, not overwritten.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import type { FileFormat } from "../state-file.ts";
import { readStateFile, updateStateFile, utf8 } from "../state-file.ts";
import type { Catalog, CatalogEntry } from "../types.ts";
import type { BuiltModels } from "./models.ts";

/** The file format this version writes. */
const VERSION = 2;

/** The header line: whose catalog the file holds, and the digest of the body below it. */
interface CacheHeader {
  version: number;
  proxy: string;
  /** A hash of the key, so a cache never serves another key's catalog. */
  keyHash: string;
  digest: string;
}

/** What a cache holds: the catalog, and the models built from it (absent when they were not kept). */
export interface CachedCatalog {
  catalog: Catalog;
  built?: BuiltModels;
}

/** A file as read: its header, and its body when the digest vouches for it. */
interface CacheText {
  header: CacheHeader;
  body?: CachedCatalog;
}

/** The body's first line: the catalog but its models, and the models built from it. */
type CacheSummary = Omit<Catalog, "models"> & { built?: BuiltModels };

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

/** The lines are found and hashed as bytes: a warm start decodes only the two it reads (JSON escapes every newline inside a string). */
const NEWLINE = 0x0a;

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** A catalog whose entries are parsed when first read: a warm start that registers the built models never reads them. */
function catalogOf(summary: Omit<Catalog, "models">, entriesBytes: Uint8Array): Catalog {
  let entries: CatalogEntry[] | undefined;
  let bytes: Uint8Array | undefined = entriesBytes;
  return Object.defineProperty({ ...summary }, "models", {
    enumerable: true,
    get: () => {
      if (entries === undefined) {
        entries = JSON.parse(utf8.decode(bytes)) as CatalogEntry[];
        bytes = undefined;
      }
      return entries;
    },
  }) as Catalog;
}

/**
 * Three lines: the header; the catalog's summary with the built models; the catalog's entries.
 * The body is taken only when its digest matches and its version is this one.
 */
const CACHE_FORMAT: FileFormat = {
  name: "a catalog cache this version wrote",
  rebuildsBroken: true,
  parse(bytes): CacheText {
    const headerEnd = bytes.indexOf(NEWLINE);
    const header = JSON.parse(utf8.decode(headerEnd === -1 ? bytes : bytes.subarray(0, headerEnd))) as CacheHeader;
    if (!isRecord(header) || typeof header.version !== "number") throw new Error("no header");
    if (header.version !== VERSION) return { header };
    const body = bytes.subarray(headerEnd + 1);
    if (header.digest !== sha256(body)) throw new Error("the digest does not match");
    const summaryEnd = body.indexOf(NEWLINE);
    const { built, ...summary } = JSON.parse(utf8.decode(body.subarray(0, summaryEnd))) as CacheSummary;
    // A copy (a Buffer's `slice` is a view): what the catalog keeps is its entries, not the whole file.
    const catalog = catalogOf(summary, Uint8Array.prototype.slice.call(body, summaryEnd + 1));
    return { header, body: built ? { catalog, built } : { catalog } };
  },
  format(content) {
    const { header, body } = content as { header: Omit<CacheHeader, "digest">; body: CachedCatalog };
    const { models, ...summary } = body.catalog;
    const text = `${JSON.stringify({ ...summary, ...(body.built ? { built: body.built } : {}) })}\n${JSON.stringify(models)}\n`;
    return `${JSON.stringify({ ...header, digest: sha256(text) })}\n${text}`;
  },
};

/** How a write treats the routes already stored: merged with this catalog's, or replaced by them. */
export type RouteWrite = "merge" | "replace";

/** The cached catalog of one proxy and key. */
export class CatalogCache {
  readonly file: string | undefined;
  readonly #proxy: string;
  readonly #keyHash: string;

  /**
   * @param dir Where cache files live; `undefined` disables caching.
   * @param proxy The proxy URL.
   * @param apiKey The key the catalog was discovered with.
   */
  constructor(dir: string | undefined, proxy: string, apiKey: string | undefined) {
    this.#proxy = proxy;
    this.#keyHash = sha256(apiKey ?? "").slice(0, 16);
    this.file = dir === undefined ? undefined : join(dir, `catalog-${sha256(`${proxy}\n${this.#keyHash}`).slice(0, 24)}.json`);
  }

  /** What a file's content holds for this proxy and key, if it is this version's. */
  #cachedIn(content: unknown): CachedCatalog | undefined {
    const { header, body } = (content ?? {}) as Partial<CacheText>;
    return header && header.proxy === this.#proxy && header.keyHash === this.#keyHash ? body : undefined;
  }

  /** The cached catalog and its built models, or `undefined` when there is none or it is not whole. */
  read(): CachedCatalog | undefined {
    if (this.file === undefined) return undefined;
    const content = readStateFile(this.file, CACHE_FORMAT);
    return content.ok ? this.#cachedIn(content.value) : undefined;
  }

  /**
   * Stores a catalog, with the models built from it when given. Unserved routes merge with those
   * already stored (another pi process may have found one) unless `routes` is `"replace"` (they
   * were forgotten); built models are kept only when the merge changed nothing they were built
   * for. A cache that cannot be written is only a slower next start. Written at once unless
   * another pi process holds the file's lock; the promise, when there is one, settles once it is
   * written or given up on.
   */
  write(catalog: Catalog, routes: RouteWrite = "merge", built?: BuiltModels): Promise<unknown> | undefined {
    if (this.file === undefined || catalog.models.length === 0) return undefined;
    const written = updateStateFile(this.file, (current) => {
      const header = (current as Partial<CacheText> | undefined)?.header;
      if (header && header.version > VERSION) return { ok: false, problem: "written by a newer version; left as it is" };
      const own = catalog.unservedRoutes ?? [];
      const stored = routes === "merge" ? this.#cachedIn(current)?.catalog.unservedRoutes ?? [] : [];
      const unserved = [...new Set([...own, ...stored])];
      const { unservedRoutes: _routes, ...rest } = catalog;
      const merged: Catalog = unserved.length > 0 ? { ...rest, unservedRoutes: unserved } : rest;
      const keep = built && unserved.length === new Set(own).size;
      const body: CachedCatalog = keep ? { catalog: merged, built } : { catalog: merged };
      return { ok: true, value: { header: { version: VERSION, proxy: this.#proxy, keyHash: this.#keyHash }, body } };
    }, CACHE_FORMAT);
    return written instanceof Promise ? written : undefined;
  }
}
