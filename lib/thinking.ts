/**
 * Every thinking-level fact in one place: pi's levels, the maps per family, how LiteLLM's reasoning
 * efforts and per-level flags become pi's map, and how settings spell levels.
 *
 * pi asks for a level (`off` … `xhigh`); a model's `thinkingLevelMap` says what is sent for each, or
 * `null` where the backend rejects it, so pi neither offers nor sends that level.
 *
 * @module
 */

/** pi's thinking levels, `off` included, as `--thinking` and `/model` offer them. */
export const THINKING_LEVELS = ["off", "minimal", "low", "medium", "high", "xhigh"] as const;

/** One of {@link THINKING_LEVELS}. */
export type ThinkingLevel = typeof THINKING_LEVELS[number];

/** pi's per-model thinking map: the value sent for a level, or `null` when the backend rejects it. */
export type ThinkingLevelMap = Partial<Record<ThinkingLevel, string | null>>;

/** The maps the family table gives its rows: which levels each family's backends reject. */
export const FAMILY_THINKING = {
  /** Anthropic: budgets from low to high; no minimal, no xhigh. */
  claude: { minimal: null, xhigh: null },
  gemini: { xhigh: null },
  gptOss: { minimal: null, xhigh: null },
  /** GPT-5 and 5.1 always reason: no off. */
  gpt5: { off: null },
  /** GPT-5.2 and later add xhigh. */
  gpt5Point2: { off: null, xhigh: "xhigh" },
  oSeries: { off: null, minimal: null },
  /** Reasons on its own; exposes no effort control a request could set. */
  alwaysReasons: { minimal: null, low: null, medium: null, high: null, xhigh: null },
} as const satisfies Record<string, ThinkingLevelMap>;

/** Each pi thinking level and the LiteLLM reasoning efforts that serve it, preferred first. */
const LEVEL_EFFORTS: readonly [ThinkingLevel, ...string[]][] = [
  ["minimal", "minimal"],
  ["low", "low"],
  ["medium", "medium"],
  ["high", "high"],
  ["xhigh", "xhigh", "max"],
];

/**
 * pi's thinking map for the efforts a backend accepts: every other level is `null`, so pi never
 * offers or sends it. `off` stays available only where the backend accepts `none`.
 *
 * @example
 * ```ts
 * thinkingLevelsFor(["low", "medium", "high"]);
 * // { off: null, minimal: null, low: "low", medium: "medium", high: "high", xhigh: null }
 * ```
 */
export function thinkingLevelsFor(efforts: readonly string[]): ThinkingLevelMap {
  const map: ThinkingLevelMap = efforts.includes("none") ? {} : { off: null };
  for (const [level, ...candidates] of LEVEL_EFFORTS) map[level] = candidates.find((effort) => efforts.includes(effort)) ?? null;
  return map;
}

/** Per-level flags newer proxies report, and whether a missing flag means the level is accepted. */
const EFFORT_FLAGS: readonly [effort: string, flag: string, acceptedUnlessFalse: boolean][] = [
  ["none", "supports_none_reasoning_effort", true],
  ["minimal", "supports_minimal_reasoning_effort", true],
  ["low", "supports_low_reasoning_effort", true],
  ["medium", "", true],
  ["high", "", true],
  ["xhigh", "supports_xhigh_reasoning_effort", false],
  ["max", "supports_max_reasoning_effort", false],
];

/**
 * The efforts a `model_info` row's per-level flags accept, when it reports flags but no list;
 * `undefined` when it reports no flag at all.
 *
 * @example
 * ```ts
 * effortsFromFlags({ supports_xhigh_reasoning_effort: true, supports_none_reasoning_effort: false });
 * // ["minimal", "low", "medium", "high", "xhigh"]
 * ```
 */
export function effortsFromFlags(info: Readonly<Record<string, unknown>>): string[] | undefined {
  if (!EFFORT_FLAGS.some(([, name]) => name !== "" && typeof info[name] === "boolean")) return undefined;
  return EFFORT_FLAGS.filter(([, name, acceptedUnlessFalse]) => (acceptedUnlessFalse ? info[name] !== false : info[name] === true))
    .map(([effort]) => effort);
}

const isLevel = (value: unknown): value is ThinkingLevel => (THINKING_LEVELS as readonly unknown[]).includes(value);

/** Whether a settings value names thinking levels: a list of levels, or pi's map of level to effort or `null`. */
export function isThinkingLevelsSetting(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(isLevel);
  return value !== null && typeof value === "object" &&
    Object.entries(value).every(([level, mapped]) => isLevel(level) && (mapped === null || typeof mapped === "string"));
}

/**
 * Thinking levels as settings accept them (a list, or pi's map) in pi's map form.
 *
 * @example
 * ```ts
 * toThinkingLevelMap(["low", "high"]);
 * // { off: null, minimal: null, low: "low", medium: null, high: "high", xhigh: null }
 * ```
 */
export function toThinkingLevelMap(value: readonly ThinkingLevel[] | ThinkingLevelMap): ThinkingLevelMap {
  if (!Array.isArray(value)) return value as ThinkingLevelMap;
  return Object.fromEntries(THINKING_LEVELS.map((level) => [level, value.includes(level) ? level : null])) as ThinkingLevelMap;
}
