/**
 * The README's tables, rendered from the tables the code uses, and its figures, rendered from what
 * the last runs recorded. `npm run docs` rewrites both between their markers; the documentation
 * suite fails when a table is out of date.
 *
 * @module
 */

import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { ERROR_KINDS, type RetryPolicy } from "../lib/requests/error-kinds.ts";
import { readProxyError } from "../lib/requests/error-text.ts";
import { MAX_WAIT_MS, ONCE_WAIT_MS } from "../lib/requests/resend.ts";
import { plainLine } from "../lib/requests/turn-retry.ts";
import { DEFAULT_WIRE_API, FAMILY_TABLE, UNKNOWN_FAMILY } from "../lib/families.ts";
import { REJECTION_RULES } from "../lib/requests/policy.ts";
import { WIRE_API_TABLE } from "../lib/requests/wire-apis.ts";
import { benchFigures, busyFigures, matrixFigures, testFigures } from "./figures.ts";
import type { ConformanceSuite } from "./suite.ts";
import { temporaryDirectory } from "./temporary.ts";

/** Where the README is. */
export const README = fileURLToPath(new URL("../README.md", import.meta.url));

const tokens = (
  count: number,
) => (count >= 1_000_000 ? `${count / 1_000_000}M` : count >= 1000 ? `${Math.round(count / 100) / 10}K` : String(count));
const code = (values: readonly string[]) => values.map((value) => `\`${value}\``).join(", ");
const levels = (map: Record<string, string | null> | undefined) =>
  map ? Object.entries(map).filter(([, value]) => value === null).map(([level]) => level).join(", ") || "none" : "none";

/** The family table: what a model id tells the extension when the proxy reports nothing. */
export function familyTable(): string {
  const rows = [...FAMILY_TABLE, { ...UNKNOWN_FAMILY, pattern: /(no match)/ }].map((row) =>
    `| ${row.family} | \`${row.pattern.source.replaceAll("|", "\\|")}\` | ${DEFAULT_WIRE_API[row.family]} | ${
      row.reasoning ? "yes" : "no"
    } | ${row.vision ? "yes" : "no"} | ${tokens(row.contextWindow)} | ${tokens(row.maxTokens)} | ${levels(row.thinkingLevelMap)} |`
  );
  return [
    "| Family | Id pattern (first match wins) | Wire API | Thinking | Images | Context | Max out | Hidden levels |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/** The policy table: which fields are dropped for whom, why, and which fixture records it. */
export function policyTable(): string {
  const rows = REJECTION_RULES.map((rule) => {
    const who = [
      rule.families ? rule.families.join(", ") : "any family",
      rule.backends ? `on ${rule.backends.join(", ")}` : "",
      rule.models ? `(ids matching \`${rule.models.source}\`)` : "",
    ].filter(Boolean).join(" ");
    const apis = rule.apis ? rule.apis.join(", ") : "all";
    const observed = rule.litellm ? `<br>LiteLLM 1.106.12 ${rule.litellm}.` : "";
    return `| ${who} | ${apis} | ${code(rule.fields)} | ${rule.why}.${observed} | ${
      rule.sources.map((id) => `[${id}](fixtures/${id}.json)`).join(", ")
    } |`;
  });
  return ["| Models | Wire APIs | Dropped | Why | Recorded in |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
}

/** The route table: each wire API, what it keeps across a replayed tool turn, and who takes it by default. */
export function routeTable(): string {
  const rows = Object.entries(WIRE_API_TABLE).map(([api, row]) => {
    const families = Object.entries(DEFAULT_WIRE_API).filter(([, wireApi]) => wireApi === api).map(([family]) => family);
    const fallback = row.fallback ? `; falls back to ${row.fallback} where the proxy answers 404` : "";
    return `| ${api} | \`${row.route}\` | ${row.auth} | ${
      families.length > 0 ? families.join(", ") : "by setting only"
    } | ${row.replay}${fallback} |`;
  });
  return [
    "| Wire API | LiteLLM route | Key sent as | Default for | A replayed tool turn keeps |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

/** How each retry policy reads, from the constants the stream uses. */
const RETRIES: Readonly<Record<RetryPolicy, string>> = {
  never: "no: sent once",
  "after-wait": `once more, after the wait LiteLLM names (at most ${MAX_WAIT_MS / 1000} s)`,
  once: `once more, after the backend's retry-after (at most ${ONCE_WAIT_MS.longest / 1000} s; ${
    ONCE_WAIT_MS.unnamed / 1000
  } s when none is named)`,
  compact: "pi compacts the conversation and sends the shorter turn",
};

/** The request-time table: each LiteLLM error kind, how it is recognised, the line, the retry. */
export function errorTable(): string {
  const context = { model: "gpt-5", baseUrl: "http://localhost:4000", keyVariable: "LITELLM_API_KEY" };
  const rows = ERROR_KINDS.map((row, index) => {
    const by = index === ERROR_KINDS.length - 1 ? "any other error from the proxy" : [
      row.types && `type ${code(row.types)}`,
      row.pattern && "message",
      row.classes && `class ${code(row.classes)}`,
      row.statuses && `status ${row.statuses.join(", ")}`,
    ].filter(Boolean).join(", then ");
    const line = plainLine(row.line(row.example, context, readProxyError(row.example))).replaceAll("|", "\\|");
    return `| ${row.kind} | ${by} | ${line} | ${row.then ?? RETRIES[row.retry]} |`;
  });
  return ["| Kind | Recognised by | What you read (for its example) | Sent again |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

/** Sections rendered from the code's tables: always current, checked by the docs suite. */
const SECTIONS: Readonly<Record<string, () => string>> = {
  families: familyTable,
  policy: policyTable,
  routes: routeTable,
  errors: errorTable,
};

/** Sections rendered from what the last runs recorded (figures.ts); left as they are when there is no record. */
const FIGURE_SECTIONS: Readonly<Record<string, () => string | undefined>> = {
  tests: testFigures,
  bench: benchFigures,
  busy: busyFigures,
  matrix: matrixFigures,
};

function replaceSection(text: string, name: string, content: string | undefined): string {
  const start = `<!-- generated:${name} -->`;
  const end = `<!-- /generated:${name} -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to < from) throw new Error(`README.md lacks the ${start} … ${end} markers`);
  return content === undefined ? text : `${text.slice(0, from + start.length)}\n${content}\n${text.slice(to)}`;
}

/** The README with every table section, and with `figures` every recorded figure, rendered afresh. */
export function renderReadme(text: string, figures = false): string {
  let result = text;
  for (const [name, render] of Object.entries(SECTIONS)) result = replaceSection(result, name, render());
  if (figures) { for (const [name, render] of Object.entries(FIGURE_SECTIONS)) result = replaceSection(result, name, render()); }
  return result;
}

/** The suite: the README's generated tables match the code, and its figures come from runs. */
export function docsSuite(): ConformanceSuite {
  return {
    name: "the README",
    cases: [{
      name: "its changing figures (tests, coverage, cases, benchmark) are rendered from what the runs recorded, not typed",
      async run() {
        const dir = join(temporaryDirectory("figures-"), "figures");
        mkdirSync(dir);
        writeFileSync(join(dir, "tests.tap"), "TAP version 13\n# tests 702\n# pass 701\n# fail 1\n");
        writeFileSync(
          join(dir, "..", "coverage-summary.json"),
          JSON.stringify({ total: { statements: { pct: 97.25 }, branches: { pct: 90.5 }, functions: { pct: 96 } } }),
        );
        writeFileSync(join(dir, "real-litellm-1.106.12.json"), JSON.stringify({ passed: 80, failed: 1 }));
        writeFileSync(join(dir, "real-litellm-1.110.2.json"), JSON.stringify({ passed: 81, failed: 0 }));
        writeFileSync(
          join(dir, "bench-pi-0.73.1.json"),
          JSON.stringify({
            node: "v20.20.2",
            pi: "0.73.1",
            rows: [{ name: "pi --list-models", goal: "≤ 1.05", ratio: 1.0234, detail: "1.0 s vs 0.98 s" }],
          }),
        );
        assert.match(
          testFigures(dir)!,
          /97\.3 % of statements,\n90\.5 % of branches and 96\.0 % of functions covered \(`npm test` passes 701 tests \(1 failed\):.*The real-LiteLLM tier passes 80 cases \(1 failed\) on LiteLLM 1\.106\.12 and 81 cases on LiteLLM 1\.110\.2\./s,
        );
        assert.match(
          benchFigures(dir)!,
          /^\| 0\.73\.1 \(node v20\.20\.2\) \| pi --list-models \| ≤ 1\.05 \| 1\.023 \(1\.0 s vs 0\.98 s\) \|$/m,
        );
        const text = readFileSync(README, "utf8");
        for (const name of ["tests", "bench", "busy", "matrix"]) {
          assert.ok(
            text.includes(`<!-- generated:${name} -->`) && text.includes(`<!-- /generated:${name} -->`),
            `README.md has the ${name} figures markers`,
          );
        }
      },
    }, {
      name: "its family, policy, route and request-time tables are rendered from the tables the code uses (npm run docs)",
      async run() {
        const text = readFileSync(README, "utf8");
        if (renderReadme(text) !== text) {
          throw new Error(
            "README.md is out of date with lib/families.ts, lib/requests/policy.ts, lib/requests/wire-apis.ts or lib/requests/error-kinds.ts; run npm run docs",
          );
        }
      },
    }],
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(README, renderReadme(readFileSync(README, "utf8"), true));
  console.log(
    "README.md tables rendered from lib/families.ts, lib/requests/policy.ts, lib/requests/wire-apis.ts and lib/requests/error-kinds.ts; figures from coverage/figures/ where a run left them",
  );
}
