/**
 * Fields a backend rejected at run time, remembered per proxy, model and wire API for the rest of
 * the session and across sessions, in one JSON file beside pi's own (`<agent dir>/litellm/`).
 *
 * A file that cannot be read or written never breaks a request: the rules then live in memory only.
 *
 * @module
 */

import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import process from "node:process";
import type { FieldPath } from "./policy.ts";
import type { WireApi } from "./types.ts";

/** One learned rule. */
export interface LearnedRule {
  model: string;
  wireApi: WireApi;
  field: FieldPath;
  /** ISO time it was learned. */
  learnedAt: string;
  /** The first line of the error that taught it, key redacted. */
  reason: string;
}

interface RulesFile {
  version: 1;
  /** Rules per proxy URL, so one proxy's backends never shape requests to another. */
  proxies: Record<string, LearnedRule[]>;
}

function readRulesFile(file: string): RulesFile {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as Partial<RulesFile>;
    if (parsed.version === 1 && parsed.proxies && typeof parsed.proxies === "object") return parsed as RulesFile;
  } catch {
    // Missing or unreadable: start empty; the next write replaces it.
  }
  return { version: 1, proxies: {} };
}

function isRule(value: unknown): value is LearnedRule {
  const rule = value as Partial<LearnedRule> | null;
  return typeof rule?.model === "string" && typeof rule.wireApi === "string" && typeof rule.field === "string";
}

/** The rules learned on one proxy. */
export class LearnedRules {
  #rules: LearnedRule[];

  /**
   * @param file Where rules persist; `undefined` keeps them in memory.
   * @param proxy The proxy URL the rules belong to.
   */
  constructor(readonly file: string | undefined, readonly proxy: string) {
    const stored = file === undefined ? [] : readRulesFile(file).proxies[proxy];
    this.#rules = Array.isArray(stored) ? stored.filter(isRule) : [];
  }

  /** Fields to drop for a model on a wire API. */
  fieldsFor(model: string, wireApi: WireApi): FieldPath[] {
    return this.#rules.filter((rule) => rule.model === model && rule.wireApi === wireApi).map((rule) => rule.field);
  }

  /** Every rule, oldest first. */
  list(): readonly LearnedRule[] {
    return this.#rules;
  }

  /** Records a rule; returns `false` when it was already known. */
  learn(rule: Omit<LearnedRule, "learnedAt">, now = new Date()): boolean {
    if (this.fieldsFor(rule.model, rule.wireApi).includes(rule.field)) return false;
    this.#rules.push({ ...rule, learnedAt: now.toISOString() });
    this.#save();
    return true;
  }

  /** Forgets every rule of this proxy; returns how many there were. */
  forget(): number {
    const count = this.#rules.length;
    this.#rules = [];
    this.#save();
    return count;
  }

  #save(): void {
    if (this.file === undefined) return;
    try {
      // Re-read so rules other pi processes learned for other proxies are kept.
      const content = readRulesFile(this.file);
      content.proxies[this.proxy] = this.#rules;
      mkdirSync(dirname(this.file), { recursive: true });
      const temporary = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
      renameSync(temporary, this.file);
    } catch {
      // A read-only agent directory must not break requests; the rules still apply in memory.
    }
  }
}
