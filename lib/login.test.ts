import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type LiteLLMConfig, resolveConfigs, type StoredLogin } from "./config/config.ts";
import {
  type ConnectedProxy,
  foreignKeys,
  type KnownProxy,
  knownProxy,
  loginOf,
  MAX_LOGIN_ATTEMPTS,
  NEVER_EXPIRES,
  providerLogin,
} from "./login.ts";
import type { LoginCallbacks } from "./pi.ts";
import type { RefreshProblem } from "./provider/provider.ts";
import type { Result } from "./types.ts";

/** A user at pi's login dialog: answers each prompt in turn, and what pi showed is kept. */
function user(answers: string[]) {
  const prompts: { message: string; placeholder?: string }[] = [];
  const progress: string[] = [];
  const callbacks: LoginCallbacks = {
    onPrompt: (prompt) => {
      prompts.push(prompt);
      const answer = answers.shift();
      return answer === undefined ? Promise.reject(new Error("Login cancelled")) : Promise.resolve(answer);
    },
    onProgress: (line) => progress.push(line),
  };
  return {
    callbacks,
    prompts,
    progress,
    shown: () => [...prompts.flatMap((prompt) => [prompt.message, prompt.placeholder ?? ""]), ...progress].join("\n"),
  };
}

type Connect = (login: StoredLogin) => Promise<Result<ConnectedProxy, RefreshProblem>>;

/** A proxy that accepts one key: 401 for any other, refused for any other URL; `used` holds the logins put to use. */
function proxy(url: string, key: string) {
  const tried: StoredLogin[] = [];
  const used: StoredLogin[] = [];
  const connect: Connect = (login) => {
    tried.push(login);
    if (login.baseUrl !== url) {
      return Promise.resolve({ ok: false, problem: { kind: "refused", message: `nothing answers at ${login.baseUrl}` } });
    }
    if (login.apiKey !== key) {
      return Promise.resolve({ ok: false, problem: { kind: "unauthorized", message: `LiteLLM rejected the API key (401) at ${url}` } });
    }
    return Promise.resolve({ ok: true, value: { line: `3 models at ${url}`, use: () => void used.push(login) } });
  };
  return { tried, used, connect };
}

/** A proxy answering with `problems` in turn, then accepting. */
function answeringWith(...problems: RefreshProblem[]): Connect {
  return () => {
    const problem = problems.shift();
    return Promise.resolve(problem ? { ok: false, problem } : { ok: true, value: { line: "ok", use: () => {} } });
  };
}

function loginWith(known: KnownProxy, connect: Connect) {
  return providerLogin({ known: () => known, connect });
}

describe("the /login flow", () => {
  it("asks for the URL and the key, checks them, and gives pi the key with the proxy it works for", async () => {
    const at = proxy("http://proxy:4000", "sk-good");
    const { callbacks, prompts, progress } = user(["http://proxy:4000/v1/", "sk-good"]);
    const credentials = await loginWith({}, at.connect).login(callbacks);
    assert.deepEqual(credentials, { access: "sk-good", refresh: "", expires: NEVER_EXPIRES, baseUrl: "http://proxy:4000" });
    assert.equal(prompts.length, 2);
    assert.deepEqual(at.tried, [{ baseUrl: "http://proxy:4000", apiKey: "sk-good" }]);
    assert.deepEqual(at.used, at.tried);
    assert.equal(progress.at(-1), "3 models at http://proxy:4000");
  });

  it("puts nothing to use when the user cancels while the proxy is checked", async () => {
    const controller = new AbortController();
    const used: string[] = [];
    const connect: Connect = () => {
      controller.abort();
      return Promise.resolve({ ok: true, value: { line: "ok", use: () => void used.push("used") } });
    };
    const { callbacks } = user(["http://proxy:4000", "sk-good"]);
    await assert.rejects(loginWith({}, connect).login({ ...callbacks, signal: controller.signal }), { message: "Login cancelled" });
    assert.deepEqual(used, []);
  });

  it("asks for the key again, not the URL, when the proxy lists no chat models for it", async () => {
    const { callbacks, prompts, progress } = user(["http://proxy:4000", "sk-embeddings-only", "sk-chat"]);
    const connect = answeringWith({ kind: "no-models", message: "lists no chat models" });
    assert.equal((await loginWith({}, connect).login(callbacks)).access, "sk-chat");
    assert.equal(prompts.length, 3);
    assert.ok(progress.includes("LiteLLM at http://proxy:4000 lists no chat models for this key; enter the key again"));
  });

  it("does not offer a stored key again once the proxy refused it", async () => {
    const at = proxy("http://proxy:4000", "sk-new");
    const { callbacks, prompts } = user(["", "", "sk-new"]);
    await loginWith({ baseUrl: "http://proxy:4000", apiKey: "sk-revoked" }, at.connect).login(callbacks);
    assert.match(prompts[1]!.message, /Enter keeps the current key/);
    assert.match(prompts[2]!.message, /Enter for a proxy without keys/);
  });

  it("says at once why no login can work when the configured URL is unusable", async () => {
    const { callbacks, prompts } = user([]);
    await assert.rejects(
      loginWith({ refusal: "LITELLM_BASE_URL is not a URL; set it to your proxy" }, proxy("", "").connect).login(callbacks),
      {
        message: "LITELLM_BASE_URL is not a URL; set it to your proxy",
      },
    );
    assert.equal(prompts.length, 0);
  });

  it("says the key was rejected and asks for the key again, keeping the URL", async () => {
    const at = proxy("http://proxy:4000", "sk-good");
    const { callbacks, prompts, progress } = user(["http://proxy:4000", "sk-typo", "sk-good"]);
    const credentials = await loginWith({}, at.connect).login(callbacks);
    assert.equal(credentials.access, "sk-good");
    assert.deepEqual(prompts.map((prompt) => prompt.message.split(" (")[0]), [
      "LiteLLM proxy URL",
      "LiteLLM API key for http://proxy:4000",
      "LiteLLM API key for http://proxy:4000",
    ]);
    assert.ok(progress.includes("LiteLLM at http://proxy:4000 rejected this key (401); enter the key again"), progress.join("\n"));
  });

  it("asks for the key again when the proxy cannot check keys (no database): only its master key works", async () => {
    const { callbacks, prompts, progress } = user(["http://proxy:4000", "sk-team", "sk-master"]);
    const connect = answeringWith({ kind: "no-database", message: "No connected db." });
    assert.equal((await loginWith({}, connect).login(callbacks)).access, "sk-master");
    assert.equal(prompts.length, 3);
    assert.ok(
      progress.includes(
        "LiteLLM at http://proxy:4000 has no database to check keys against, so only its master key works; enter the key again",
      ),
      progress.join("\n"),
    );
  });

  it("asks for the URL again when nothing answers there, offering the one entered", async () => {
    const at = proxy("http://proxy:4000", "sk-good");
    const { callbacks, prompts } = user(["http://wrong:4000", "sk-good", "http://proxy:4000", "sk-good"]);
    assert.equal((await loginWith({}, at.connect).login(callbacks)).baseUrl, "http://proxy:4000");
    assert.equal(prompts[2]!.placeholder, "http://wrong:4000");
  });

  it("keeps the known URL and key on Enter, and never shows the key", async () => {
    const at = proxy("http://proxy:4000", "sk-stored-secret");
    const { callbacks, shown } = user(["", ""]);
    const credentials = await loginWith({ baseUrl: "http://proxy:4000", apiKey: "sk-stored-secret" }, at.connect).login(callbacks);
    assert.equal(credentials.access, "sk-stored-secret");
    assert.match(shown(), /Enter keeps http:\/\/proxy:4000/);
    assert.match(shown(), /Enter keeps the current key/);
    assert.doesNotMatch(shown(), /sk-stored-secret/);
  });

  it("does not ask for a URL the environment sets, and names where it comes from", async () => {
    const at = proxy("http://env:4000", "sk-good");
    const { callbacks, prompts, progress } = user(["sk-good"]);
    const credentials = await loginWith({ baseUrl: "http://env:4000", urlPinnedBy: "LITELLM_BASE_URL" }, at.connect).login(callbacks);
    assert.equal(credentials.baseUrl, "http://env:4000");
    assert.equal(prompts.length, 1);
    assert.equal(progress[0], "Proxy: http://env:4000 (from LITELLM_BASE_URL)");
  });

  it("stores no key when the settings set it, and fails at once when that key is refused", async () => {
    const at = proxy("http://proxy:4000", "sk-configured");
    const { callbacks, prompts } = user(["http://proxy:4000"]);
    await assert.rejects(loginWith({ keyPinnedBy: "settings.json litellm.apiKey" }, at.connect).login(callbacks), {
      message: "LiteLLM at http://proxy:4000 rejected this key (401)",
    });
    assert.equal(prompts.length, 1);
    assert.deepEqual(at.tried, [{ baseUrl: "http://proxy:4000", apiKey: "" }]);
  });

  it("refuses at once, asking nothing, when the environment sets both the URL and the key", async () => {
    const { callbacks, prompts } = user([]);
    const known = { baseUrl: "http://env:4000", urlPinnedBy: "LITELLM_BASE_URL", keyPinnedBy: "LITELLM_API_KEY" };
    await assert.rejects(loginWith(known, proxy("http://env:4000", "k").connect).login(callbacks), {
      message: "LITELLM_BASE_URL and LITELLM_API_KEY set the proxy and its key, and win over a login; change them there",
    });
    assert.equal(prompts.length, 0);
  });

  it(`gives up after ${MAX_LOGIN_ATTEMPTS} refused keys with the last problem`, async () => {
    const at = proxy("http://proxy:4000", "sk-good");
    const { callbacks } = user(["http://proxy:4000", ...Array.from({ length: MAX_LOGIN_ATTEMPTS }, () => "sk-bad")]);
    await assert.rejects(loginWith({}, at.connect).login(callbacks), {
      message: "LiteLLM at http://proxy:4000 rejected this key (401); run /login again",
    });
    assert.equal(at.tried.length, MAX_LOGIN_ATTEMPTS);
  });

  it("says what is wrong with a URL that is not one, and asks again", async () => {
    const at = proxy("http://proxy:4000", "");
    const { callbacks, progress } = user(["proxy:4000 please", "http://proxy:4000", ""]);
    assert.equal((await loginWith({}, at.connect).login(callbacks)).access, "");
    assert.match(progress[0]!, /^The proxy URL (is not a URL|must start with http)/);
  });

  it("hands pi a placeholder key for a proxy without keys, and keeps the key on refresh", async () => {
    const login = loginWith({}, proxy("http://p", "").connect);
    assert.equal(login.getApiKey({ access: "", refresh: "", expires: NEVER_EXPIRES }), "no-key");
    assert.deepEqual(await login.refreshToken({ access: "sk-1", refresh: "", expires: 0 }), {
      access: "sk-1",
      refresh: "",
      expires: NEVER_EXPIRES,
    });
  });
});

describe("knownProxy()", () => {
  const main = (env: Record<string, string>, settings = {}, stored?: StoredLogin) => ({
    providerName: "litellm",
    configure: (login: StoredLogin | undefined): Result<LiteLLMConfig> => {
      const { configs, off } = resolveConfigs(env, settings, "settings.json", [], login);
      return configs[0] ? { ok: true, value: configs[0] } : { ok: false, problem: off! };
    },
    stored: () => stored,
    create: () => {
      throw new Error("not used");
    },
    install: () => {},
  });

  it("offers the stored login's URL and key, pinning nothing", () => {
    assert.deepEqual(knownProxy(main({}, {}, { baseUrl: "http://stored:4000", apiKey: "sk-stored" })), {
      baseUrl: "http://stored:4000",
      apiKey: "sk-stored",
    });
  });

  it("pins what the environment and settings set: they win over a login", () => {
    assert.deepEqual(knownProxy(main({ LITELLM_BASE_URL: "http://env:4000/v1" })), {
      baseUrl: "http://env:4000",
      urlPinnedBy: "LITELLM_BASE_URL",
    });
    assert.deepEqual(knownProxy(main({}, { apiKey: "sk-settings" })), { keyPinnedBy: "settings.json litellm.apiKey" });
    assert.deepEqual(knownProxy(main({ LITELLM_BASE_URL: "http://env:4000", LITELLM_API_KEY: "sk-env" })), {
      baseUrl: "http://env:4000",
      urlPinnedBy: "LITELLM_BASE_URL",
      keyPinnedBy: "LITELLM_API_KEY",
    });
  });

  it("pins a settings key whose variable is unset: it still wins over a typed key", () => {
    assert.deepEqual(knownProxy(main({}, { apiKey: "$TEAM_KEY_UNSET" })), { keyPinnedBy: "TEAM_KEY_UNSET" });
  });

  it("refuses when the configured URL cannot be used, naming it", () => {
    assert.deepEqual(knownProxy(main({ LITELLM_BASE_URL: "not a url" })), {
      refusal: "LITELLM_BASE_URL is not a URL; set it to your proxy, e.g. http://localhost:4000",
    });
  });

  it("offers the OPENAI_BASE_URL fallback without pinning it: a login comes first", () => {
    assert.deepEqual(knownProxy(main({ OPENAI_BASE_URL: "http://openai-ish:4000", OPENAI_API_KEY: "sk-o" })), {
      baseUrl: "http://openai-ish:4000",
    });
  });

  it("offers a stored key only for the proxy it was stored with", () => {
    assert.deepEqual(knownProxy(main({ LITELLM_BASE_URL: "http://env:4000" }, {}, { baseUrl: "http://other:4000", apiKey: "sk-other" })), {
      baseUrl: "http://env:4000",
      urlPinnedBy: "LITELLM_BASE_URL",
    });
  });
});

describe("foreignKeys()", () => {
  const config = (apiKey: string, keyFromLogin = false) => ({
    ...resolveConfigs({ LITELLM_BASE_URL: "http://p", LITELLM_API_KEY: apiKey }).configs[0]!,
    ...(keyFromLogin ? { keyFromLogin } : {}),
  });

  it("names a stored login's key for a provider whose key the environment sets: pi would send the login's", () => {
    assert.deepEqual(foreignKeys(config("sk-env"), { baseUrl: "http://p", apiKey: "sk-login" }), ["sk-login"]);
  });

  it("names the key a replaced registration gave, for a login to another proxy", () => {
    assert.deepEqual(foreignKeys(config("sk-login", true), { baseUrl: "http://q", apiKey: "sk-login" }, config("sk-openai")), [
      "sk-openai",
    ]);
    assert.deepEqual(foreignKeys(config("sk-login", true), { baseUrl: "http://p", apiKey: "sk-login" }, config("sk-login", true)), []);
  });
});

describe("loginOf()", () => {
  it("reads a login's key and proxy, and a bare API key pi stored for the provider", () => {
    assert.deepEqual(loginOf({ type: "oauth", access: "sk-1", baseUrl: "http://p" }), { apiKey: "sk-1", baseUrl: "http://p" });
    assert.deepEqual(loginOf({ type: "api_key", key: "sk-2" }), { apiKey: "sk-2" });
    assert.deepEqual(loginOf({ type: "oauth", access: "sk-3", baseUrl: "http://p:4000/v1/" }), {
      apiKey: "sk-3",
      baseUrl: "http://p:4000",
    });
    assert.equal(loginOf({ type: "oauth", access: "sk-4", baseUrl: "not a url" }), undefined, "its key was set for that proxy only");
    assert.equal(loginOf(undefined), undefined);
  });
});
