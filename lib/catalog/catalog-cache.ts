/**
 * The discovered catalog on disk, so a warm start registers models without waiting for the proxy.
 * One file per proxy URL and key, named by a hash of both: the key itself is never written.
 *
 * Nothing in the file is trusted: a catalog that does not validate field by field is not served,
 * and the next discovery writes over it. A file from a newer version is left alone. Routes the
 * proxy does not serve are merged with what other pi processes found, not overwritten.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { isLimit } from "../families.ts";
import { hasControlCharacters } from "../secrets.ts";
import { readJsonFile, updateJsonFile } from "../state-file.ts";
import { type Catalog, type ProxyModelInfo, WIRE_APIS, type WireApi } from "../types.ts";

/** The file format this version writes. */
const VERSION = 1;

interface CacheFile {
  version: typeof VERSION;
  proxy: string;
  /** A hash of the key, so a cache never serves another key's catalog. */
  keyHash: string;
  catalog: Catalog;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

type Check = (value: unknown) => boolean;
const isString: Check = (value) => typeof value === "string";
const isBoolean: Check = (value) => typeof value === "boolean";
const isStrings: Check = (value) => Array.isArray(value) && value.every(isString);
const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);
const isPrice: Check = (value) => typeof value === "number" && Number.isFinite(value) && value >= 0;

/** Every field a cached model's metadata may have, and what it must be. */
const INFO_FIELDS: Readonly<Record<keyof ProxyModelInfo, Check>> = {
  contextWindow: (value) => isLimit("contextWindow", value),
  maxTokens: (value) => isLimit("maxTokens", value),
  vision: isBoolean,
  reasoning: isBoolean,
  promptCaching: isBoolean,
  cost: (value) =>
    isRecord(value) &&
    Object.entries(value).every(([field, price]) => ["input", "output", "cacheRead", "cacheWrite"].includes(field) && isPrice(price)),
  backend: isString,
  upstreamModel: isString,
  supportedParams: isStrings,
  reasoningEfforts: isStrings,
  responsesOnly: isBoolean,
  ignoredLimits: isStrings,
};

function isInfo(value: unknown): boolean {
  return isRecord(value) &&
    Object.entries(value).every(([field, fieldValue]) =>
      Object.hasOwn(INFO_FIELDS, field) && INFO_FIELDS[field as keyof ProxyModelInfo](fieldValue)
    );
}

const isRoutes = (value: unknown): value is WireApi[] =>
  Array.isArray(value) && value.every((api) => (WIRE_APIS as readonly unknown[]).includes(api));

/** Whether a cached catalog is one discovery could have produced. */
function isCatalog(value: unknown): value is Catalog {
  if (!isRecord(value)) return false;
  return (value.source === "model/info" || value.source === "models") &&
    typeof value.fetchedAt === "number" &&
    Array.isArray(value.models) && value.models.length > 0 &&
    value.models.every((entry) =>
      isRecord(entry) && typeof entry.id === "string" && entry.id !== "" && !hasControlCharacters(entry.id) &&
      (entry.info === undefined || isInfo(entry.info))
    ) &&
    (value.unservedRoutes === undefined || isRoutes(value.unservedRoutes));
}

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

  /** The catalog in a file's content, if it is this proxy's and key's and validates. */
  #catalogIn(content: unknown): Catalog | undefined {
    if (!isRecord(content) || content.version !== VERSION || content.proxy !== this.#proxy || content.keyHash !== this.#keyHash) {
      return undefined;
    }
    return isCatalog(content.catalog) ? content.catalog : undefined;
  }

  /** The cached catalog, or `undefined` when there is none or it cannot be trusted. */
  read(): Catalog | undefined {
    if (this.file === undefined) return undefined;
    const content = readJsonFile(this.file);
    return content.ok ? this.#catalogIn(content.value) : undefined;
  }

  /**
   * Stores a catalog. Unserved routes merge with those already stored (another pi process may have
   * found one) unless `routes` is `"replace"` (they were forgotten). A cache that cannot be written
   * is only a slower next start. Written at once unless another pi process holds the file's lock;
   * the promise, when there is one, settles once it is written or given up on.
   */
  write(catalog: Catalog, routes: RouteWrite = "merge"): Promise<unknown> | undefined {
    if (this.file === undefined || catalog.models.length === 0) return undefined;
    const written = updateJsonFile(this.file, (current) => {
      if (isRecord(current) && typeof current.version === "number" && current.version > VERSION) {
        return { ok: false, problem: "written by a newer version; left as it is" };
      }
      const stored = routes === "merge" ? this.#catalogIn(current)?.unservedRoutes ?? [] : [];
      const unserved = [...new Set([...stored, ...catalog.unservedRoutes ?? []])];
      const { unservedRoutes: _routes, ...rest } = catalog;
      const merged: Catalog = unserved.length > 0 ? { ...rest, unservedRoutes: unserved } : rest;
      const content: CacheFile = { version: VERSION, proxy: this.#proxy, keyHash: this.#keyHash, catalog: merged };
      return { ok: true, value: content };
    }, true);
    return written instanceof Promise ? written : undefined;
  }
}
