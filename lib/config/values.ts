/**
 * The configuration's single values read and checked: proxy URLs, `$VAR` references, headers,
 * wire-API overrides, the discovery bound. Each gives its value or one line naming what to fix.
 *
 * @module
 */

import { CREDENTIAL_HEADERS } from "../secrets.ts";
import { type Result, WIRE_APIS, type WireApi } from "../types.ts";
import type { ModelOverride } from "./model-settings.ts";

/** The environment variables read, with the defaults the README documents. */
export const ENV = {
  baseUrl: "LITELLM_BASE_URL",
  apiKey: "LITELLM_API_KEY",
  fallbackBaseUrl: "OPENAI_BASE_URL",
  fallbackApiKey: "OPENAI_API_KEY",
  wireApi: "LITELLM_WIRE_API",
  discoveryTimeout: "LITELLM_DISCOVERY_TIMEOUT_MS",
} as const;

/** Default bound on discovery at startup, in milliseconds. */
export const DEFAULT_DISCOVERY_TIMEOUT_MS = 3_000;

/** The longest discovery bound accepted: longer ones are clamped (timers overflow past 2³¹−1 ms). */
export const MAX_DISCOVERY_TIMEOUT_MS = 600_000;

/** The environment as read: variable names to values. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The value trimmed, `undefined` when nothing is left. */
export function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * Normalizes a proxy URL to its root: trailing `/` and `/v1` removed, path prefixes kept.
 * The problem names the variable when the URL cannot be used.
 *
 * @example
 * ```ts
 * normalizeBaseUrl("http://localhost:4000/v1/", "LITELLM_BASE_URL"); // { ok: true, value: "http://localhost:4000" }
 * normalizeBaseUrl("https://gw.example.com/litellm", "LITELLM_BASE_URL"); // { ok: true, value: "https://gw.example.com/litellm" }
 * ```
 */
export function normalizeBaseUrl(raw: string, variable: string): Result<string> {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, problem: `${variable} is not a URL; set it to your proxy, e.g. http://localhost:4000` };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { ok: false, problem: `${variable} must start with http:// or https://` };
  }
  if (url.username || url.password) {
    return { ok: false, problem: `${variable} contains credentials; put the key in ${ENV.apiKey} instead` };
  }
  const path = url.pathname.replace(/\/+$/, "").replace(/\/v1$/, "");
  return { ok: true, value: `${url.origin}${path}` };
}

/** Whether a string names one of the supported wire APIs. */
function isWireApi(value: string): value is WireApi {
  return (WIRE_APIS as readonly string[]).includes(value);
}

/**
 * Parses `LITELLM_WIRE_API`: comma-separated entries, each a wire API for every model or
 * `glob=api` for models whose id matches the glob. Invalid entries are reported and skipped.
 *
 * @example
 * ```ts
 * parseWireApiOverrides("gpt-*=openai-completions,openai-responses").overrides;
 * // [{ pattern: "gpt-*", wireApi: "openai-completions" }, { pattern: "*", wireApi: "openai-responses" }]
 * ```
 */
export function parseWireApiOverrides(raw: string, variable: string = ENV.wireApi): { overrides: ModelOverride[]; problems: string[] } {
  const overrides: ModelOverride[] = [];
  const problems: string[] = [];
  for (const entry of raw.split(",").map((part) => part.trim()).filter(Boolean)) {
    const separator = entry.lastIndexOf("=");
    const pattern = separator === -1 ? "*" : entry.slice(0, separator).trim();
    const api = (separator === -1 ? entry : entry.slice(separator + 1)).trim();
    if (!isWireApi(api) || pattern === "") {
      problems.push(`${variable}: ignoring "${entry}"; use ${WIRE_APIS.join(", ")} or model-glob=api`);
      continue;
    }
    overrides.push({ pattern, wireApi: api });
  }
  return { overrides, problems };
}

/** A resolved setting: its value, and the variable it came from when it was a reference. */
export interface Reference {
  value: string;
  variable?: string;
}

/**
 * A `$VAR` / `${VAR}` reference's value, or the text itself. The problem is the unset variable's
 * name, which lines about it (and about the key) still name.
 *
 * @example
 * ```ts
 * resolveReference("$TEAM_KEY", { TEAM_KEY: "sk-1" }); // { ok: true, value: { value: "sk-1", variable: "TEAM_KEY" } }
 * resolveReference("$TEAM_KEY", {}); // { ok: false, problem: "TEAM_KEY" }
 * ```
 */
export function resolveReference(value: string, env: Env): Result<Reference> {
  const name = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(value.trim())?.[1];
  if (name === undefined) return { ok: true, value: { value } };
  const resolved = nonEmpty(env[name]);
  return resolved === undefined ? { ok: false, problem: name } : { ok: true, value: { value: resolved, variable: name } };
}

/**
 * The discovery bound: the variable, else the setting (`where` names it), else the default. A value
 * that is not a positive whole number is skipped for the next source; one above the maximum is clamped.
 */
export function parseTimeout(raw: string | undefined, setting: number | undefined, where: string, problems: string[]): number {
  const fromSetting = setting ?? DEFAULT_DISCOVERY_TIMEOUT_MS;
  let value = fromSetting;
  let source = setting === undefined ? "the default" : where;
  if (raw !== undefined) {
    const parsed = Number(raw);
    if (Number.isInteger(parsed) && parsed > 0) [value, source] = [parsed, ENV.discoveryTimeout];
    else {problems.push(
        `${ENV.discoveryTimeout}: "${raw}" is not a positive whole number of milliseconds; using ${fromSetting} from ${source}`,
      );}
  }
  if (value <= MAX_DISCOVERY_TIMEOUT_MS) return value;
  problems.push(
    `${source}: ${value} ms is longer than the ${MAX_DISCOVERY_TIMEOUT_MS} ms discovery allows; using ${MAX_DISCOVERY_TIMEOUT_MS}`,
  );
  return MAX_DISCOVERY_TIMEOUT_MS;
}

/** A configured header that must not travel to another proxy or be printed: a reference, or a credential by name. */
export function isSecretHeader(name: string, raw: string): boolean {
  return CREDENTIAL_HEADERS.has(name.toLowerCase()) || /^\$\{?[A-Za-z_]/.test(raw.trim());
}

/** The configured headers with their `$VAR` references resolved, and the values no line may show. */
export function resolveHeaders(
  headers: Record<string, string> | undefined,
  where: string,
  env: Env,
  problems: string[],
): { headers: Record<string, string>; secrets: string[] } {
  const resolved: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const reference = resolveReference(raw, env);
    if (!reference.ok) problems.push(`${where}.headers.${name}: $${reference.problem} is not set; the header is not sent`);
    else {
      resolved[name] = reference.value.value;
      if (isSecretHeader(name, raw)) secrets.push(reference.value.value.replace(/^(Bearer|Basic)\s+/i, ""));
    }
  }
  return { headers: resolved, secrets };
}

/** A value and the name to mention it by in messages; a literal one is never read as a `$VAR` reference. */
export type Source = { raw: string; variable: string; literal?: boolean };

/** The first of several sources, in precedence order, that has a value. */
export function firstSource(sources: readonly [value: string | undefined, variable: string, literal?: boolean][]): Source | undefined {
  const found = sources.find(([value]) => value !== undefined);
  return found && { raw: found[0]!, variable: found[1], ...(found[2] ? { literal: true } : {}) };
}

/** Whether two proxy URLs name the same root (`/v1` and trailing slashes aside). */
export function sameRoot(one: string, other: string): boolean {
  const [a, b] = [normalizeBaseUrl(one, ""), normalizeBaseUrl(other, "")];
  return a.ok && b.ok && a.value === b.value;
}
