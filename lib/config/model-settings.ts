/**
 * Per-model settings lookups: which of the user's `*` globs match a model id, what they say for it
 * (later ones winning field by field), and whether the model is hidden.
 *
 * @module
 */

import type { ModelSettings } from "./settings.ts";

/** What a provider's configuration says about models: its overrides, in order, and the hidden globs. */
export interface ModelLookup {
  readonly modelOverrides: readonly ModelOverride[];
  readonly hide: readonly string[];
}

/** Settings for the models whose id matches `pattern` (a `*` glob). */
export interface ModelOverride extends ModelSettings {
  pattern: string;
}

/**
 * Compiles a `*` glob into an anchored, case-insensitive regular expression.
 *
 * @example
 * ```ts
 * globToRegExp("claude-*").test("Claude-Sonnet-4"); // true
 * ```
 */
export function globToRegExp(glob: string): RegExp {
  let compiled = GLOBS.get(glob);
  if (!compiled) {
    const escaped = glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
    compiled = new RegExp(`^${escaped.join(".*")}$`, "i");
    GLOBS.set(glob, compiled);
  }
  return compiled;
}

/** Compiled globs: a large catalog matches every model against every override. */
const GLOBS = new Map<string, RegExp>();

/** The user's settings for one model: every matching override, later ones winning field by field. */
export function modelSettings(config: Pick<ModelLookup, "modelOverrides">, modelId: string): ModelSettings {
  const settings: ModelSettings = {};
  for (const { pattern, ...override } of config.modelOverrides) {
    if (!globToRegExp(pattern).test(modelId)) continue;
    Object.assign(settings, override, { dropFields: [...settings.dropFields ?? [], ...override.dropFields ?? []] });
  }
  if (settings.dropFields?.length === 0) delete settings.dropFields;
  return settings;
}

/** Whether a model id is hidden by the user. */
export function isHidden(config: Pick<ModelLookup, "hide">, modelId: string): boolean {
  return config.hide.some((glob) => globToRegExp(glob).test(modelId));
}
