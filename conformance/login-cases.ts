/**
 * `/login` as a user meets it: on a machine with no `LITELLM_*` variables and no settings, pi's TUI
 * (in a pseudo-terminal) logs in to the fake proxy, a wrong key is refused and asked again, and
 * `pi --model litellm/<id> -p` answers afterwards with the key only in pi's credential store.
 * `/logout` forgets it; the environment still wins over a login. The same flow in-process covers
 * what the TUI cannot show: the registration pi receives, a broken credential store.
 *
 * @module
 */

import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type FakeLiteLLM, startFakeLiteLLM } from "./fake-litellm.ts";
import { collect, loadExtension } from "./harness.ts";
import { filesUnder } from "./leaks.ts";
import { runPi } from "./pi-cli.ts";
import { inTui, logIn, pickLiteLLM, tui } from "./pi-tui.ts";
import { API_KEY, conformanceScenario } from "./scenario.ts";
import type { ConformanceSuite } from "./suite.ts";
import { temporaryDirectory } from "./temporary.ts";
import { KEYS } from "./terminal.ts";
import type { LoginCallbacks, ProviderLogin } from "../lib/pi.ts";

/** A second key the fake accepts, standing for the one a user exported in their shell. */
const ENVIRONMENT_KEY = "sk-exported-in-the-shell-5b1e";

/** No proxy configured: what a new user's shell has. `undefined` removes a variable from pi's environment. */
export const NOTHING_CONFIGURED = {
  LITELLM_BASE_URL: undefined,
  LITELLM_API_KEY: undefined,
  OPENAI_BASE_URL: undefined,
  OPENAI_API_KEY: undefined,
};

/** A user at the login dialog, in-process: answers each prompt in turn. */
function answering(answers: string[]): LoginCallbacks {
  return { onPrompt: () => Promise.resolve(answers.shift() ?? ""), onProgress: () => {} };
}

/** The suite: one fake proxy that knows the conformance key; each case has its own agent directory. */
export function loginSuite(): ConformanceSuite {
  let fake: FakeLiteLLM;
  const stored = (agentDir: string) =>
    JSON.parse(readFileSync(join(agentDir, "auth.json"), "utf8")) as Record<string, Record<string, unknown>>;
  return {
    name: "login through pi's TUI",
    async before() {
      fake = await startFakeLiteLLM(conformanceScenario());
    },
    async after() {
      await fake.close();
    },
    cases: [
      {
        name:
          "/login on a machine with nothing configured: a wrong key is refused and asked again, then pi -p answers with litellm/gpt-4o; the key is in no file but auth.json",
        async run() {
          const agentDir = temporaryDirectory("pi-litellm-login-agent-");
          const project = temporaryDirectory("pi-litellm-login-project-");
          const terminal = tui(agentDir, project);
          await inTui(terminal, () => logIn(terminal, fake.url, ["sk-typed-wrong-0000", API_KEY]));
          assert.deepEqual(stored(agentDir).litellm, {
            type: "oauth",
            access: API_KEY,
            refresh: "",
            expires: Date.UTC(9999, 0, 1),
            baseUrl: fake.url,
          });

          const before = fake.requests.length;
          const run = await runPi(["--no-session", "--model", "litellm/gpt-4o", "-p", "Say hello."], NOTHING_CONFIGURED, {
            agentDir,
            cwd: project,
          });
          assert.equal(run.code, 0, run.stdout + run.stderr);
          assert.match(run.stdout, /Hello from gpt-4o\./);
          const request = fake.requests.slice(before).find((candidate) => candidate.model === "gpt-4o");
          assert.equal(request?.headers.authorization, `Bearer ${API_KEY}`);
          const holding = Object.entries({ ...filesUnder(agentDir), ...filesUnder(project) }).filter(([, text]) => text.includes(API_KEY))
            .map(([path]) => path);
          assert.deepEqual(holding, [join(agentDir, "auth.json")]);
        },
      },
      {
        name: "/logout forgets the login: auth.json keeps no LiteLLM entry, and the next pi -p says how to log in again",
        async run() {
          const agentDir = temporaryDirectory("pi-litellm-login-agent-");
          const project = temporaryDirectory("pi-litellm-login-project-");
          const terminal = tui(agentDir, project);
          await inTui(terminal, async () => {
            await logIn(terminal, fake.url, [API_KEY]);
            terminal.type("/logout");
            await terminal.waitFor("/logout");
            terminal.type(KEYS.enter);
            await pickLiteLLM(terminal, "logout");
            await terminal.waitFor("Logged out of LiteLLM");
          });
          assert.equal(stored(agentDir).litellm, undefined);
          const run = await runPi(["--no-session", "--model", "litellm/gpt-4o", "-p", "Say hello."], NOTHING_CONFIGURED, {
            agentDir,
            cwd: project,
          });
          assert.match(run.stderr, /LiteLLM provider is off: run \/login and pick LiteLLM/);
        },
      },
      {
        name: "the environment wins over a login: with LITELLM_API_KEY exported, requests carry that key, not the stored one",
        async run() {
          const agentDir = temporaryDirectory("pi-litellm-login-agent-");
          mkdirSync(agentDir, { recursive: true });
          writeFileSync(
            join(agentDir, "auth.json"),
            JSON.stringify({ litellm: { type: "oauth", access: API_KEY, refresh: "", expires: Date.UTC(9999, 0, 1), baseUrl: fake.url } }),
          );
          fake.acceptKeys([API_KEY, ENVIRONMENT_KEY]);
          try {
            const before = fake.requests.length;
            const run = await runPi(["--no-session", "--model", "litellm/gpt-4o", "-p", "Say hello."], {
              ...NOTHING_CONFIGURED,
              LITELLM_API_KEY: ENVIRONMENT_KEY,
            }, { agentDir });
            assert.equal(run.code, 0, run.stdout + run.stderr);
            const sent = fake.requests.slice(before).map((request) =>
              request.headers.authorization ?? request.headers["x-litellm-api-key"]
            );
            assert.ok(sent.length >= 2, "discovery and the request");
            assert.deepEqual([...new Set(sent)], [`Bearer ${ENVIRONMENT_KEY}`]);
          } finally {
            fake.acceptKeys(API_KEY);
          }
        },
      },
      {
        name:
          "in-process: with nothing configured, /login is offered without models; a login registers the proxy's models at once, leaving the key to pi",
        async run() {
          const extension = await loadExtension(NOTHING_CONFIGURED);
          const offered = extension.providers.get("litellm")?.config;
          assert.ok(offered?.oauth, "LiteLLM is in /login");
          assert.equal(offered.models, undefined);
          const credentials = await (offered.oauth as ProviderLogin).login(answering([fake.url, API_KEY]));
          assert.equal(credentials.access, API_KEY);
          const registered = extension.providers.get("litellm")!.config;
          assert.ok((registered.models?.length ?? 0) > 0);
          assert.equal(registered.apiKey, undefined, "pi looks the stored key up per request, so /logout applies at once");
          assert.ok(registered.oauth, "the login stays in /login");
          // pi hands the stored key to the stream, as getApiKey gives it.
          const outcome = await collect(extension.stream("gpt-4o", { apiKey: (registered.oauth as ProviderLogin).getApiKey(credentials) }));
          assert.equal(outcome.message.stopReason, "stop", outcome.message.errorMessage);
        },
      },
      {
        name: "in-process: a stored login is read at load, and discovery uses its key",
        async run() {
          const agentDir = temporaryDirectory("pi-litellm-login-agent-");
          writeFileSync(
            join(agentDir, "auth.json"),
            JSON.stringify({ litellm: { type: "oauth", access: API_KEY, refresh: "", expires: 0, baseUrl: `${fake.url}/v1` } }),
          );
          const before = fake.requests.length;
          const extension = await loadExtension({ ...NOTHING_CONFIGURED, PI_CODING_AGENT_DIR: agentDir });
          assert.deepEqual(extension.warnings, []);
          assert.ok((extension.providers.get("litellm")?.config.models?.length ?? 0) > 0);
          const discovery = fake.requests.slice(before);
          assert.ok(
            discovery.length > 0 &&
              discovery.every((request) => request.status === 200 && request.headers.authorization === `Bearer ${API_KEY}`),
            JSON.stringify(discovery.map((request) => request.status)),
          );
        },
      },
      {
        name: "in-process: after /logout removes the login, the extension's own requests (/litellm's /key/info) no longer carry its key",
        async run() {
          const agentDir = temporaryDirectory("pi-litellm-login-agent-");
          const auth = join(agentDir, "auth.json");
          writeFileSync(auth, JSON.stringify({ litellm: { type: "oauth", access: API_KEY, refresh: "", expires: 0, baseUrl: fake.url } }));
          const extension = await loadExtension({ ...NOTHING_CONFIGURED, PI_CODING_AGENT_DIR: agentDir });
          const status = async () => {
            const before = fake.requests.length;
            await extension.commands.get("litellm")!.handler("", { ui: { notify() {} } });
            return fake.requests.slice(before).filter((request) => request.path === "/key/info").map((request) =>
              request.headers.authorization ?? null
            );
          };
          assert.deepEqual(await status(), [`Bearer ${API_KEY}`]);
          writeFileSync(auth, "{}");
          assert.deepEqual(await status(), [null]);
        },
      },
      {
        name: "in-process: a credential store that is not JSON costs one line that quotes none of it, and /login is still offered",
        async run() {
          const agentDir = temporaryDirectory("pi-litellm-login-agent-");
          writeFileSync(join(agentDir, "auth.json"), `{"litellm": {"access": "${API_KEY}"`);
          const extension = await loadExtension({ ...NOTHING_CONFIGURED, PI_CODING_AGENT_DIR: agentDir });
          assert.equal(extension.warnings.length, 2, extension.warnings.join("\n"));
          assert.match(extension.warnings[0]!, /auth\.json cannot be read \(not valid JSON\); \/login litellm is not used$/);
          assert.ok(extension.providers.get("litellm")?.config.oauth);
        },
      },
    ],
  };
}
