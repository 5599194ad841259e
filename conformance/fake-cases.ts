/**
 * The fake proxy checks itself: fixtures are valid and replayed verbatim, and the routes, auth and
 * faults behave like LiteLLM's. A fake that drifted from the real proxy would make the proof worthless.
 *
 * @module
 */

import assert from "node:assert/strict";
import { WIRE_APIS, type WireApi } from "../lib/types.ts";
import { type FakeLiteLLM, type FakeModel, startFakeLiteLLM } from "./fake-litellm.ts";
import { type Fixture, loadFixtures, triggers } from "./fixtures.ts";
import { API_KEY, conformanceScenario } from "./scenario.ts";
import type { ConformanceSuite } from "./suite.ts";

/** Where the fake serves each wire API. */
const ROUTE_PATHS: Readonly<Record<WireApi, string>> = {
  "openai-completions": "/v1/chat/completions",
  "openai-responses": "/v1/responses",
  "azure-openai-responses": "/v1/responses?api-version=v1",
  "anthropic-messages": "/v1/messages",
};

/** One model per backend family the fixtures name, so each fixture can be triggered. */
function modelsServedBy(fixtures: readonly Fixture[]): FakeModel[] {
  const families = [...new Set(fixtures.flatMap((fixture) => fixture.family))].filter((family) => family !== "*");
  return families.map((family) => ({ id: `served-by-${family}`, servedBy: family }));
}

/** The fake suite; `usedFixtures` are the fixtures the proof suites rely on. */
export function fakeSuite(usedFixtures: () => readonly string[]): ConformanceSuite {
  let fake: FakeLiteLLM;
  let fixtures: Fixture[];
  const headers = { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" };
  const post = (path: string, body: unknown, extra: Record<string, string> = {}) =>
    fetch(`${fake.url}${path}`, { method: "POST", headers: { ...headers, ...extra }, body: JSON.stringify(body) });
  const get = (path: string, extra: Record<string, string> = headers) => fetch(`${fake.url}${path}`, { headers: extra });

  return {
    name: "the fake LiteLLM and its fixtures",
    async before() {
      fixtures = loadFixtures();
      fake = await startFakeLiteLLM({
        ...conformanceScenario(modelsServedBy(fixtures)),
        routes: { "model_group/info": { kind: "fixture", fixture: "litellm-route-not-allowed" } },
      });
    },
    after: () => fake.close(),
    cases: [
      {
        name: "every fixture parses, follows the schema and names its source",
        async run() {
          assert.ok(fixtures.length >= 15, `${fixtures.length} fixtures`);
          for (const fixture of fixtures) assert.ok(fixture.source.length > 10, fixture.id);
        },
      },
      {
        name: "a verbatim fixture points at the public page it was recorded from, a reconstruction says what it was rebuilt from",
        async run() {
          for (const fixture of fixtures) {
            if (fixture.verbatim) assert.match(fixture.source, /https:\/\//, `${fixture.id} is verbatim: its source must be a public URL`);
            else {assert.match(
                `${fixture.source} ${fixture.notes ?? ""}`,
                /Reconstructed|reconstructed/,
                `${fixture.id} is not verbatim: its source must say what it was reconstructed from`,
              );}
            assert.doesNotMatch(
              JSON.stringify(fixture),
              /facts\.md|facts file|facts section/,
              `${fixture.id} cites a document outside this repository`,
            );
          }
        },
      },
      {
        name: "every fixture is used by at least one proof case",
        async run() {
          const used = new Set(usedFixtures());
          const unused = fixtures.filter((fixture) => !used.has(fixture.id)).map((fixture) => fixture.id);
          assert.deepEqual(unused, []);
        },
      },
      {
        name: "a request carrying a fixture's field gets that fixture's status and body, verbatim",
        async run() {
          for (const fixture of fixtures) {
            const [field] = triggers(fixture);
            const family = fixture.family.find((name) => name !== "*");
            if (!field || !family) continue;
            const [head, child] = field.split(".");
            const value = child ? { [child]: "auto" } : "x";
            for (const api of fixture.wireApis) {
              const path = ROUTE_PATHS[api];
              const response = await post(path, { model: `served-by-${family}`, stream: true, [head!]: value });
              assert.equal(response.status, fixture.status, `${fixture.id} on ${api}`);
              // On /v1/messages LiteLLM puts its message in Anthropic's envelope, as the real 1.106.12 does.
              const { message, type } = (fixture.body as { error: { message: string; type: string | null } }).error;
              const expected = api === "anthropic-messages"
                ? { type: "error", error: { type: type ?? "invalid_request_error", message } }
                : fixture.body;
              assert.deepEqual(await response.json(), expected, `${fixture.id} on ${api}`);
            }
          }
        },
      },
      {
        name: "a wrong or missing key gets LiteLLM's 401 envelope on every route but health",
        async run() {
          const auth = fixtures.find((fixture) => fixture.id === "litellm-auth")!;
          for (
            const response of [
              await get("/v1/models", { authorization: "Bearer sk-wrong" }),
              await get("/v1/model/info", {}),
              await post("/v1/chat/completions", {}, { authorization: "Bearer nope" }),
            ]
          ) {
            assert.equal(response.status, 401);
            assert.deepEqual(await response.json(), auth.body);
          }
          const health = await get("/health/liveliness", {});
          assert.equal(health.status, 200);
          assert.equal(await health.json(), "I'm alive!");
        },
      },
      {
        name: "routes answer with and without /v1, and Azure-style requests are told apart",
        async run() {
          for (const path of ["/models", "/v1/models"]) assert.equal((await get(path)).status, 200, path);
          const before = fake.requests.length;
          for (const path of ["/chat/completions", "/responses", "/v1/responses?api-version=2025-04-01-preview", "/v1/messages"]) {
            const response = await post(path, { model: "my-company-model", stream: true });
            assert.equal(response.status, 200, path);
            await response.text();
          }
          assert.deepEqual(fake.requests.slice(before).map((request) => request.wireApi), WIRE_APIS);
        },
      },
      {
        name: "/v1/models lists models and wildcard routes; model info has a row per deployment and per group",
        async run() {
          const models = (await (await get("/v1/models")).json()) as { data: { id: string }[] };
          assert.ok(models.data.some((entry) => entry.id === "anthropic/*"));
          assert.ok(models.data.some((entry) => entry.id === "gpt-5"));
          const info = (await (await get("/v1/model/info")).json()) as {
            data: { model_name: string; litellm_params: { model: string } }[];
          };
          assert.equal(info.data.find((row) => row.model_name === "gpt-5")?.litellm_params.model, "azure/gpt-5");
        },
      },
      {
        name: "a route fault replays its fixture, unknown routes get FastAPI's 404",
        async run() {
          const refused = await get("/model_group/info");
          assert.equal(refused.status, 403);
          assert.match(((await refused.json()) as { detail: string }).detail, /not allowed to call this route/);
          const missing = await get("/v1/nothing-here");
          assert.equal(missing.status, 404);
          assert.deepEqual(await missing.json(), { detail: "Not Found" });
        },
      },
      {
        name: "an unknown model gets LiteLLM's invalid-model 400",
        async run() {
          const response = await post("/v1/chat/completions", { model: "nope", stream: true });
          assert.equal(response.status, 400);
          assert.match(JSON.stringify(await response.json()), /Invalid model name passed in model=nope/);
        },
      },
      {
        name: "every request is recorded with its method, path, headers and body",
        async run() {
          const before = fake.requests.length;
          await (await post("/v1/chat/completions", { model: "gpt-5", stream: true, store: false }, { "x-litellm-session-id": "s-1" }))
            .text();
          const [recorded] = fake.requests.slice(before);
          assert.equal(recorded?.method, "POST");
          assert.equal(recorded?.path, "/v1/chat/completions");
          assert.equal(recorded?.headers["x-litellm-session-id"], "s-1");
          assert.deepEqual(recorded?.body, { model: "gpt-5", stream: true, store: false });
        },
      },
    ],
  };
}
