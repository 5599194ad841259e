/**
 * The recorded error fixtures in `fixtures/`: loading, schema validation, and the rule the fake proxy
 * uses to pick the one a request triggers.
 *
 * @module
 */

import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WIRE_APIS, type WireApi } from "../lib/types.ts";

/** The kinds of fixture, each proven by its own cases. */
export const FIXTURE_KINDS = ["rejection", "envelope", "replay", "request-time"] as const;

/** One of {@link FIXTURE_KINDS}. */
export type FixtureKind = typeof FIXTURE_KINDS[number];

/** One recorded (or reconstructed) error as LiteLLM returns it. */
export interface Fixture {
  id: string;
  /** What it shows: a field a backend rejects, an error envelope, a replay rule, or LiteLLM at request time. */
  kind: FixtureKind;
  /** Who produced the text: databricks, azure, litellm… */
  backend: string;
  /** Backend families (the fake scenario's `servedBy`) that answer with it; `*` for any. */
  family: string[];
  wireApis: WireApi[];
  /** Request fields whose presence triggers it; `null` for errors that do not depend on a field. */
  param: string | string[] | null;
  status: number;
  body: unknown;
  /** The public issue or PR it was recorded from. */
  source: string;
  verbatim: boolean;
  notes?: string;
  /** Response headers LiteLLM sends with it (`retry-after`). */
  headers?: Record<string, string>;
}

/** Where the fixtures live. */
export const FIXTURES_DIR = fileURLToPath(new URL("../fixtures/", import.meta.url));

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === "string" && item !== "");

/**
 * The schema problems of one parsed fixture file, empty when it is valid.
 */
export function fixtureProblems(name: string, value: unknown): string[] {
  const fixture = value as Partial<Fixture> | null;
  if (fixture === null || typeof fixture !== "object") return [`${name}: not a JSON object`];
  const problems: string[] = [];
  const check = (ok: boolean, field: string, expected: string) => {
    if (!ok) problems.push(`${name}: ${field} must be ${expected}`);
  };
  check(fixture.id === name.replace(/\.json$/, ""), "id", "the file name without .json");
  check((FIXTURE_KINDS as readonly unknown[]).includes(fixture.kind), "kind", `one of ${FIXTURE_KINDS.join(", ")}`);
  check(typeof fixture.backend === "string" && fixture.backend !== "", "backend", "a backend name");
  check(isStringList(fixture.family), "family", "a non-empty list of backend families");
  check(
    isStringList(fixture.wireApis) && fixture.wireApis.every((api) => (WIRE_APIS as readonly string[]).includes(api)),
    "wireApis",
    `a non-empty list of ${WIRE_APIS.join(", ")}`,
  );
  check(
    fixture.param === null || typeof fixture.param === "string" || isStringList(fixture.param),
    "param",
    "a field, a list of fields, or null",
  );
  check(Number.isInteger(fixture.status) && fixture.status! >= 400 && fixture.status! < 600, "status", "an HTTP error status");
  const body = fixture.body as { error?: { message?: unknown; code?: unknown }; detail?: unknown } | undefined;
  if (typeof body?.detail === "string") {
    check(body.error === undefined, "body", "either LiteLLM's {error} envelope or FastAPI's {detail}, not both");
  } else {
    check(
      typeof body?.error?.message === "string" && body.error.message !== "",
      "body",
      "a LiteLLM envelope {error: {message, code}} or {detail}",
    );
    check(body?.error?.code === String(fixture.status), "body.error.code", "the status as a string, as LiteLLM sends it");
  }
  check(typeof fixture.source === "string" && fixture.source.trim() !== "", "source", "where the text was recorded from");
  check(typeof fixture.verbatim === "boolean", "verbatim", "true or false");
  return problems;
}

/** Reads and validates every fixture; throws listing all problems when any file is invalid. */
export function loadFixtures(dir: string = FIXTURES_DIR): Fixture[] {
  const fixtures: Fixture[] = [];
  const problems: string[] = [];
  for (const name of readdirSync(dir).filter((file) => file.endsWith(".json")).sort()) {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(`${dir}/${name}`, "utf8"));
    } catch (error) {
      problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    const found = fixtureProblems(name, value);
    if (found.length > 0) problems.push(...found);
    else fixtures.push(value as Fixture);
  }
  if (problems.length > 0) throw new Error(`Invalid fixtures:\n${problems.join("\n")}`);
  return fixtures;
}

/** Whether a dotted field is present in a request body (`reasoning.summary`). */
export function hasField(body: unknown, path: string): boolean {
  let current: unknown = body;
  for (const key of path.split(".")) {
    if (current === null || typeof current !== "object" || !(key in current)) return false;
    current = (current as Record<string, unknown>)[key];
  }
  return current !== undefined;
}

/** The fields a fixture is triggered by. */
export function triggers(fixture: Fixture): string[] {
  return fixture.param === null ? [] : Array.isArray(fixture.param) ? fixture.param : [fixture.param];
}

/**
 * The first fixture a request triggers: its family serves the model, its wire API is the request's,
 * and one of its fields is present in the body.
 */
export function findFixture(fixtures: readonly Fixture[], family: string, wireApi: WireApi, body: unknown): Fixture | undefined {
  return fixtures.find((fixture) =>
    fixture.family.includes(family) && fixture.wireApis.includes(wireApi) &&
    triggers(fixture).some((field) => hasField(body, field))
  );
}

/** The human-readable text of a fixture's body: the envelope's message or FastAPI's detail. */
export function fixtureMessage(fixture: Fixture): string {
  const body = fixture.body as { error?: { message?: string }; detail?: string };
  return body.error?.message ?? body.detail ?? "";
}

/** The fixture with this id; throws for an unknown id so a typo in a test fails loudly. */
export function fixtureById(fixtures: readonly Fixture[], id: string): Fixture {
  const fixture = fixtures.find((candidate) => candidate.id === id);
  if (!fixture) throw new Error(`No fixture "${id}" in ${FIXTURES_DIR}`);
  return fixture;
}
