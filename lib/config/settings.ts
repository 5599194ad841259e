/**
 * The `litellm` section of pi's settings files, read and validated field by field: an invalid field
 * is reported in one line naming it and left out; everything else still applies.
 *
 * ```json
 * { "litellm": { "baseUrl": "https://litellm.example.com", "apiKey": "$LITELLM_API_KEY",
 *   "models": { "gpt-5*": { "wireApi": "openai-completions" } }, "hideModels": ["*embedding*"] } }
 * ```
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isLimit, LIMIT_BOUNDS } from "../families.ts";
import { isDroppable } from "../requests/policy.ts";
import { isThinkingLevelsSetting, THINKING_LEVELS, type ThinkingLevel, type ThinkingLevelMap, toThinkingLevelMap } from "../thinking.ts";
import { WIRE_APIS, type WireApi } from "../types.ts";

/** Per-model settings, applied to every model id the key (a `*` glob) matches. */
export interface ModelSettings {
  wireApi?: WireApi;
  /** Request fields never to send to these models, on top of the policy. */
  dropFields?: string[];
  contextWindow?: number;
  maxTokens?: number;
  /** The thinking levels to offer; every other level is hidden. Needs a model that reasons. */
  thinkingLevelMap?: ThinkingLevelMap;
  /** Whether the model reasons, for ids neither the proxy nor the family table describe. */
  reasoning?: boolean;
  /** What the model takes: `["text"]`, or `["text", "image"]` for one that sees images. */
  input?: ("text" | "image")[];
}

/** How pi reaches the tools of LiteLLM's MCP gateway (pi ≥ 1.x); `exposure` as in pi's `mcp.json`. */
export interface McpSettings {
  /** The MCP server name pi shows (`/mcp`) and prefixes tools with; the provider's name by default. */
  name?: string;
  exposure?: McpExposure;
}

/** pi's MCP tool exposures (pi-coding-agent `docs/mcp.md`). */
export const MCP_EXPOSURES = ["codemode", "deferred", "direct", "hidden"] as const;

/** One of {@link MCP_EXPOSURES}. */
export type McpExposure = typeof MCP_EXPOSURES[number];

/** One proxy's settings; the top level of the section, or one of its aliases. */
export interface ProxySettings {
  baseUrl?: string;
  /** `$VAR` / `${VAR}` reference (or, discouraged, the key itself). */
  apiKey?: string;
  headers?: Record<string, string>;
  discoveryTimeoutMs?: number;
  providerName?: string;
  hideModels?: string[];
  models?: Record<string, ModelSettings>;
  /** LiteLLM's MCP gateway as a pi MCP server: `false` turns it off, an object names it. */
  mcp?: boolean | McpSettings;
  /** The spend shown in pi's footer and the budget shares warned at. */
  spend?: { footer?: boolean; warnAt?: number[] };
}

/** The whole section. */
export interface LiteLLMSettings extends ProxySettings {
  /** Extra providers: a second proxy, or the same proxy with a second key, by provider name. */
  aliases?: Record<string, ProxySettings>;
}

type Raw = Record<string, unknown>;
type Check = (value: unknown) => string | undefined;

const isObject = (value: unknown): value is Raw => value !== null && typeof value === "object" && !Array.isArray(value);
const text: Check = (value) => (typeof value === "string" && value.trim() !== "" ? undefined : "expected a non-empty string");
const positiveInteger: Check = (
  value,
) => (Number.isInteger(value) && (value as number) > 0 ? undefined : "expected a positive whole number");
const stringList: Check = (
  value,
) => (Array.isArray(value) && value.every((item) => typeof item === "string" && item !== "") ? undefined : "expected a list of strings");
const stringMap: Check = (
  value,
) => (isObject(value) && Object.values(value).every((item) => typeof item === "string") ? undefined : "expected an object of strings");
const providerName: Check = (
  value,
) => (typeof value === "string" && /^[a-z0-9][a-z0-9._-]*$/i.test(value)
  ? undefined
  : "expected a name of letters, digits, '.', '_' or '-'");
const wireApi: Check = (
  value,
) => ((WIRE_APIS as readonly unknown[]).includes(value) ? undefined : `expected one of ${WIRE_APIS.join(", ")}`);
const thinkingLevels: Check = (value) =>
  isThinkingLevelsSetting(value)
    ? undefined
    : `expected a list of levels (${THINKING_LEVELS.join(", ")}) or a map of level to effort or null`;

/** The fields of a proxy section and how each is checked. */
const PROXY_FIELDS: Readonly<Record<keyof ProxySettings, Check>> = {
  baseUrl: text,
  apiKey: text,
  headers: stringMap,
  discoveryTimeoutMs: positiveInteger,
  providerName,
  hideModels: stringList,
  models: (value) => (isObject(value) ? undefined : "expected an object of model globs"),
  mcp: (value) =>
    typeof value === "boolean" ||
      isObject(value) && Object.entries(value).every(([field, item]) =>
          field === "name"
            ? typeof item === "string" && /^[A-Za-z0-9_-]+$/.test(item)
            : field === "exposure" && (MCP_EXPOSURES as readonly unknown[]).includes(item)
        )
      ? undefined
      : `expected false, true, or { "name": letters, digits, _ or -, "exposure": one of ${MCP_EXPOSURES.join(", ")} }`,
  spend: (value) =>
    isObject(value) &&
      Object.entries(value).every(([field, item]) =>
        field === "footer"
          ? typeof item === "boolean"
          : field === "warnAt" && Array.isArray(item) && item.every((share) => typeof share === "number" && share > 0 && share <= 1)
      )
      ? undefined
      : 'expected { "footer": true or false, "warnAt": a list of budget shares above 0 and at most 1, e.g. [0.8, 0.95] }',
};

const limit = (name: keyof typeof LIMIT_BOUNDS): Check => (value) =>
  isLimit(name, value) ? undefined : `expected a whole number of tokens from ${LIMIT_BOUNDS[name].min} to ${LIMIT_BOUNDS[name].max}`;
const dropFields: Check = (value) => {
  const problem = stringList(value);
  if (problem) return problem;
  const needed = (value as string[]).find((field) => !isDroppable(field));
  return needed === undefined
    ? undefined
    : `"${needed}" cannot be dropped: no request goes without model, messages, input, stream, tools or system`;
};

const boolean: Check = (value) => (typeof value === "boolean" ? undefined : "expected true or false");
const input: Check = (value) =>
  Array.isArray(value) && value.includes("text") && value.every((item) => item === "text" || item === "image")
    ? undefined
    : 'expected ["text"] or ["text", "image"]';

const MODEL_FIELDS: Readonly<Record<string, Check>> = {
  wireApi,
  dropFields,
  contextWindow: limit("contextWindow"),
  maxTokens: limit("maxTokens"),
  thinkingLevels,
  reasoning: boolean,
  input,
};

function readModels(raw: Raw, where: string, problems: string[]): Record<string, ModelSettings> {
  const models: Record<string, ModelSettings> = {};
  for (const [pattern, value] of Object.entries(raw)) {
    const at = `${where}.models["${pattern}"]`;
    if (!isObject(value)) {
      problems.push(`${at}: expected an object; ignoring it`);
      continue;
    }
    const model: ModelSettings = {};
    for (const [field, fieldValue] of Object.entries(value)) {
      const check = MODEL_FIELDS[field];
      const problem = check ? check(fieldValue) : `unknown field (known: ${Object.keys(MODEL_FIELDS).join(", ")})`;
      if (problem) problems.push(`${at}.${field}: ${problem}; ignoring it`);
      else if (field === "thinkingLevels") model.thinkingLevelMap = toThinkingLevelMap(fieldValue as ThinkingLevel[] | ThinkingLevelMap);
      else (model as Raw)[field] = fieldValue;
    }
    models[pattern] = model;
  }
  return models;
}

/** Validates one proxy section; `aliases` is read only at the top level. */
function readProxy(raw: Raw, where: string, problems: string[], allowAliases: boolean): LiteLLMSettings {
  const settings: LiteLLMSettings = {};
  for (const [field, value] of Object.entries(raw)) {
    if (field === "aliases" && allowAliases) {
      if (!isObject(value)) {
        problems.push(`${where}.aliases: expected an object of provider names; ignoring it`);
        continue;
      }
      settings.aliases = {};
      for (const [name, alias] of Object.entries(value)) {
        const problem = providerName(name) ?? (isObject(alias) ? undefined : "expected an object");
        if (problem) problems.push(`${where}.aliases["${name}"]: ${problem}; ignoring it`);
        else settings.aliases[name] = readProxy(alias as Raw, `${where}.aliases["${name}"]`, problems, false);
      }
      continue;
    }
    const check = (PROXY_FIELDS as Record<string, Check>)[field];
    const problem = check
      ? check(value)
      : `unknown field (known: ${Object.keys(PROXY_FIELDS).join(", ")}${allowAliases ? ", aliases" : ""})`;
    if (problem) problems.push(`${where}.${field}: ${problem}; ignoring it`);
    else if (field === "models") settings.models = readModels(value as Raw, where, problems);
    else (settings as Raw)[field] = value;
  }
  return settings;
}

/** One settings file as read: its `litellm` section, whether it has one, and the lines about it. */
export interface SettingsFile {
  settings: LiteLLMSettings;
  /** The file has a `litellm` section, valid or not. */
  found: boolean;
  problems: string[];
  /** pi's own `defaultProjectTrust` from the same file (it means something in the user's file only). */
  defaultProjectTrust?: unknown;
}

/**
 * Reads the `litellm` section of one settings file. A missing file or section is no problem; an
 * unreadable file or invalid field is one line each.
 */
export function readSettingsFile(path: string, label: string): SettingsFile {
  let content: string;
  try {
    content = readFileSync(path, "utf8");
  } catch {
    return { settings: {}, found: false, problems: [] };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    // The parser's message quotes the file around the error, which may be a key: only the position is said.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : "")?.[1];
    return {
      settings: {},
      found: true,
      problems: [`${label} is not valid JSON${position ? ` (at character ${position})` : ""}; its litellm section is ignored`],
    };
  }
  const file = isObject(parsed) ? parsed : {};
  const trust = "defaultProjectTrust" in file ? { defaultProjectTrust: file.defaultProjectTrust } : {};
  const section = file.litellm;
  if (section === undefined) return { settings: {}, found: false, problems: [], ...trust };
  const problems: string[] = [];
  if (!isObject(section)) return { settings: {}, found: true, problems: [`${label} litellm: expected an object; ignoring it`], ...trust };
  return { settings: readProxy(section, `${label} litellm`, problems, true), found: true, problems, ...trust };
}

function mergeRecords<T>(
  under: Record<string, T> | undefined,
  over: Record<string, T> | undefined,
  merge: (a: T, b: T) => T,
): Record<string, T> | undefined {
  if (!under || !over) return over ?? under;
  const merged = { ...under };
  for (const [key, value] of Object.entries(over)) merged[key] = key in under ? merge(under[key]!, value) : value;
  return merged;
}

/**
 * Layers settings (the project's over the user's): `over` wins field by field, and headers, model
 * globs and aliases merge by key, so a project can change one model without restating the rest.
 */
export function layerSettings(under: LiteLLMSettings, over: LiteLLMSettings): LiteLLMSettings {
  const merged: LiteLLMSettings = { ...under, ...over };
  const headers = mergeRecords(under.headers, over.headers, (_a, b) => b);
  const models = mergeRecords(under.models, over.models, (a, b) => ({ ...a, ...b }));
  const aliases = mergeRecords(under.aliases, over.aliases, layerSettings);
  return { ...merged, ...(headers && { headers }), ...(models && { models }), ...(aliases && { aliases }) };
}

/** How lines name the user's settings file, wherever the agent directory is. */
export const USER_SETTINGS_LABEL = "~/.pi/agent/settings.json";

/** How lines name the project's settings file. */
export const PROJECT_SETTINGS_LABEL = ".pi/settings.json";

/** The user's settings: `settings.json` in pi's agent directory. */
export function readUserSettings(agentDirectory: string): SettingsFile {
  return readSettingsFile(join(agentDirectory, "settings.json"), USER_SETTINGS_LABEL);
}

/** A project's settings: `.pi/settings.json` under `cwd`, read but applied only once pi trusts the project. */
export function readProjectSettings(cwd: string): SettingsFile {
  const { defaultProjectTrust: _userOnly, ...project } = readSettingsFile(join(cwd, ".pi", "settings.json"), PROJECT_SETTINGS_LABEL);
  return project;
}
