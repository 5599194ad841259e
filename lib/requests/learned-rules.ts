/**
 * Fields a backend rejected at run time, remembered per proxy, model and wire API for the rest of
 * the session and across sessions, in one JSON file beside pi's own (`<agent dir>/litellm/`).
 *
 * Several pi processes share the file: each save merges this process's own changes (the rules it
 * learned, the rules it forgot) into the file as it is now, so no process loses another's rules. A
 * file that cannot be read, or that a newer version wrote, is left alone: the rules then live in
 * memory only, and {@link LearnedRules.problem} says why. A file that cannot be written never breaks
 * a request either.
 *
 * @module
 */

import { type FieldPath, isDroppable } from "./policy.ts";
import { readStateFile, updateStateFile } from "../state-file.ts";
import { type Result, WIRE_APIS, type WireApi } from "../types.ts";

/** One learned rule. */
export interface LearnedRule {
  model: string;
  wireApi: WireApi;
  field: FieldPath;
  /** ISO time it was learned. */
  learnedAt: string;
  /** The first line of the error that taught it, secrets redacted. */
  reason: string;
}

/** The file format this version writes; a higher one is a newer extension's and is left alone. */
const VERSION = 1;

interface RulesFile {
  version: typeof VERSION;
  /** Rules per proxy URL, so one proxy's backends never shape requests to another. */
  proxies: Record<string, LearnedRule[]>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** A stored rule this version can apply: a known wire API, and a field the policy may ever drop. */
function isRule(value: unknown): value is LearnedRule {
  const rule = value as Partial<LearnedRule> | null;
  return typeof rule?.model === "string" && (WIRE_APIS as readonly unknown[]).includes(rule.wireApi) && typeof rule.field === "string" &&
    isDroppable(rule.field) && typeof rule.learnedAt === "string" && typeof rule.reason === "string";
}

/** The file's content as this version understands it, an empty one for no file, or why it is left alone. */
function understood(content: unknown, file: string): Result<RulesFile> {
  if (content === undefined) return { ok: true, value: { version: VERSION, proxies: {} } };
  if (isRecord(content) && typeof content.version === "number" && content.version > VERSION) {
    return {
      ok: false,
      problem: `${file} was written by a newer version of this extension (format ${content.version}); it is left as it is`,
    };
  }
  if (!isRecord(content) || content.version !== VERSION || !isRecord(content.proxies)) {
    return { ok: false, problem: `${file} is not a learned-rules file this extension understands; it is left as it is` };
  }
  return { ok: true, value: content as unknown as RulesFile };
}

const sameRule = (a: Pick<LearnedRule, "model" | "wireApi" | "field">, b: Pick<LearnedRule, "model" | "wireApi" | "field">) =>
  a.model === b.model && a.wireApi === b.wireApi && a.field === b.field;

/** The rules learned on one proxy. */
export class LearnedRules {
  #rules: LearnedRule[] = [];
  /** Rules this process learned that the file does not have yet. */
  #learned: LearnedRule[] = [];
  /** When this process last forgot the proxy's rules: stored rules learned before then are dropped. */
  #forgotAt: string | undefined;
  #problem: string | undefined;
  #saving: Promise<void> = Promise.resolve();
  /** Saves waiting for the lock: later ones queue behind them, so this process's saves never overtake each other. */
  #waiting = 0;

  /**
   * @param file Where rules persist; `undefined` keeps them in memory.
   * @param proxy The proxy URL the rules belong to.
   */
  constructor(readonly file: string | undefined, readonly proxy: string) {
    if (file === undefined) return;
    const read = readStateFile(file);
    const content = read.ok ? understood(read.value, file) : read;
    if (content.ok) this.#rules = this.#applicable(content.value.proxies[proxy]);
    else this.#problem = `LiteLLM: ${content.problem}; rules learned now apply to this session only`;
  }

  /** Why rules are not persisted, when they are not: the file is unreadable, or a newer version's. */
  get problem(): string | undefined {
    return this.#problem;
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
    if (!isDroppable(rule.field) || this.#rules.some((known) => sameRule(known, rule))) return false;
    const learned = { ...rule, learnedAt: now.toISOString() };
    this.#rules.push(learned);
    this.#learned.push(learned);
    this.#save();
    return true;
  }

  /** Forgets every rule of this proxy, this process's and every other's; returns how many there were. */
  forget(now = new Date()): number {
    const count = this.#rules.length;
    this.#rules = [];
    this.#learned = [];
    this.#forgotAt = now.toISOString();
    this.#save();
    return count;
  }

  #applicable(stored: unknown): LearnedRule[] {
    return Array.isArray(stored) ? stored.filter(isRule) : [];
  }

  /** Settles once every change made so far is in the file, or given up on (the rules then stay in memory). */
  get saved(): Promise<void> {
    return this.#saving;
  }

  /**
   * Merges this process's changes into the file: at once when its lock is free, else once another
   * process lets go of it, and a later save after it. Never waits on pi's thread.
   */
  #save(): void {
    if (this.file === undefined || this.#problem !== undefined) return;
    const file = this.file;
    if (this.#waiting > 0) {
      this.#waiting++;
      this.#saving = this.#saving.then(() => this.#write(file)).finally(() => this.#waiting--);
      return;
    }
    const waiting = this.#write(file);
    if (!waiting) return;
    this.#waiting++;
    this.#saving = waiting.finally(() => this.#waiting--);
  }

  /**
   * One save: the file as it is now with this process's changes merged in, and what others added
   * taken on. A promise only while it waits for the lock.
   */
  #write(file: string): Promise<void> | undefined {
    let written: LearnedRule[] = [];
    const saved = updateStateFile(file, (current) => {
      const content = understood(current, file);
      if (!content.ok) return content;
      const stored: unknown[] = Array.isArray(content.value.proxies[this.proxy]) ? content.value.proxies[this.proxy]! : [];
      const kept = this.#sinceForgotten(stored.filter(isRule));
      written = [...this.#learned];
      const added = written.filter((rule) => !kept.some((known) => sameRule(known, rule)));
      // Entries this version cannot apply (a newer wire API, say) are another version's: written back as found.
      const foreign = stored.filter((entry) => !isRule(entry));
      const rules = [...kept, ...added, ...foreign] as LearnedRule[];
      // Other proxies' entries, and the file's other fields, are written back as found.
      return { ok: true, value: { ...content.value, proxies: { ...content.value.proxies, [this.proxy]: rules } } };
    });
    const takeOn = (result: Result<RulesFile>) => {
      if (!result.ok) return;
      // Written under the lock, they stay: a later save by anyone merges into them. Rules learned while it waited are still to write.
      this.#learned = this.#learned.filter((rule) => !written.includes(rule));
      const stored = this.#sinceForgotten(this.#applicable(result.value.proxies[this.proxy]));
      this.#rules = [...stored, ...this.#learned.filter((rule) => !stored.some((known) => sameRule(known, rule)))];
    };
    if (saved instanceof Promise) return saved.then(takeOn);
    takeOn(saved);
    return undefined;
  }

  /** Rules learned after this process last forgot the proxy's rules. */
  #sinceForgotten(rules: LearnedRule[]): LearnedRule[] {
    const forgotAt = this.#forgotAt;
    return forgotAt === undefined ? rules : rules.filter((rule) => rule.learnedAt > forgotAt);
  }
}
