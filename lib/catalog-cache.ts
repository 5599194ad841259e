/**
 * The discovered catalog on disk, so a warm start registers models without waiting for the proxy.
 * One file per proxy URL and key, named by a hash of both: the key itself is never written.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { type Catalog, type CatalogEntry, WIRE_APIS } from "./types.ts";

interface CacheFile {
  version: 1;
  proxy: string;
  /** A hash of the key, so a cache never serves another key's catalog. */
  keyHash: string;
  catalog: Catalog;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function isCatalog(value: unknown): value is Catalog {
  const catalog = value as Partial<Catalog> | null;
  return (catalog?.source === "model/info" || catalog?.source === "models") &&
    typeof catalog.fetchedAt === "number" &&
    Array.isArray(catalog.models) &&
    catalog.models.every((entry: Partial<CatalogEntry>) => typeof entry?.id === "string") &&
    (catalog.unservedRoutes === undefined ||
      Array.isArray(catalog.unservedRoutes) && catalog.unservedRoutes.every((api) => (WIRE_APIS as readonly unknown[]).includes(api)));
}

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

  /** The cached catalog, or `undefined` when there is none or it cannot be trusted. */
  read(): Catalog | undefined {
    if (this.file === undefined) return undefined;
    try {
      const content = JSON.parse(readFileSync(this.file, "utf8")) as Partial<CacheFile>;
      if (content.version !== 1 || content.proxy !== this.#proxy || content.keyHash !== this.#keyHash) return undefined;
      return isCatalog(content.catalog) && content.catalog.models.length > 0 ? content.catalog : undefined;
    } catch {
      return undefined;
    }
  }

  /** Stores a catalog; a cache that cannot be written is only a slower next start. */
  write(catalog: Catalog): void {
    if (this.file === undefined || catalog.models.length === 0) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const content: CacheFile = { version: 1, proxy: this.#proxy, keyHash: this.#keyHash, catalog };
      const temporary = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(content), { mode: 0o600 });
      renameSync(temporary, this.file);
    } catch {
      // Read-only agent directory: discovery simply runs again next time.
    }
  }
}
