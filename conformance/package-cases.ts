/**
 * The extension as pi users get it: an npm tarball with exactly what pi needs, a pi package manifest,
 * no runtime dependencies, and an install (`pi install <local path>`) that lists the models without
 * `-e`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { assertCleanRun } from "./cli-cases.ts";
import { type FakeLiteLLM, startFakeLiteLLM } from "./fake-litellm.ts";
import { runPi } from "./pi-cli.ts";
import { API_KEY, conformanceScenario } from "./scenario.ts";
import type { ConformanceSuite } from "./suite.ts";
import { temporaryDirectory } from "./temporary.ts";

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** What the tarball must hold: the entry point, every non-test module of lib/ and its folders, and the docs. */
function expectedFiles(): string[] {
  const lib = (readdirSync(join(ROOT, "lib"), { recursive: true }) as string[])
    .filter((name) => name.endsWith(".ts") && !name.endsWith(".test.ts"))
    .map((name) => `lib/${name.split("\\").join("/")}`);
  return ["LICENSE", "README.md", "mod.ts", "package.json", ...lib].sort();
}

/** The suite: one `npm pack`, then checks on the tarball and an install into a throwaway pi. */
export function packageSuite(): ConformanceSuite {
  let fake: FakeLiteLLM;
  let tarball: string;
  let packed: string[];

  return {
    name: "the npm package",
    async before() {
      const destination = temporaryDirectory("pi-litellm-pack-");
      const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", destination], { cwd: ROOT });
      const [report] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
      tarball = join(destination, report!.filename);
      packed = report!.files.map((file) => file.path).sort();
      fake = await startFakeLiteLLM(conformanceScenario());
    },
    after: () => fake.close(),
    cases: [
      {
        name: "npm pack ships mod.ts, lib/ without its tests, README, LICENSE and package.json, nothing else",
        async run() {
          assert.deepEqual(packed, expectedFiles());
        },
      },
      {
        name: "package.json is a pi package with pi's packages as peers and no runtime dependencies",
        async run() {
          const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
          assert.ok(manifest.keywords.includes("pi-package"));
          assert.deepEqual(manifest.pi, { extensions: ["./mod.ts"] });
          // Both scopes: pi 0.73 is @mariozechner, 0.87 and 1.x are @earendil-works (whose loader maps our imports).
          const peers = [
            "@mariozechner/pi-ai",
            "@mariozechner/pi-coding-agent",
            "@earendil-works/pi-ai",
            "@earendil-works/pi-coding-agent",
          ];
          assert.deepEqual(manifest.peerDependencies, Object.fromEntries(peers.map((name) => [name, "*"])));
          // Optional, so that installing the package never pulls in a second pi.
          assert.deepEqual(manifest.peerDependenciesMeta, Object.fromEntries(peers.map((name) => [name, { optional: true }])));
          assert.equal(manifest.dependencies, undefined);
        },
      },
      {
        name: "the README installs this package by its own name, not one of the LiteLLM extensions others publish",
        async run() {
          const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
          const readme = readFileSync(join(ROOT, "README.md"), "utf8");
          const installed = [...readme.matchAll(/pi install (?:-l )?npm:(\S+)/g)].map((match) => match[1]);
          assert.ok(installed.length > 0, "the README shows an npm install");
          assert.deepEqual([...new Set(installed)], [manifest.name]);
          // Names other authors hold on the registry (`npm view <name>`, 2026-12-01).
          assert.ok(!["pi-litellm", "pi-provider-litellm"].includes(manifest.name), `${manifest.name} belongs to someone else on npm`);
          assert.match(readme, new RegExp(`^# ${manifest.name}$`, "m"));
        },
      },
      {
        name: "pi install of the unpacked tarball (a local path) loads the extension: models listed and answering without -e",
        async run() {
          const unpacked = temporaryDirectory("pi-litellm-unpacked-");
          await run("tar", ["-xzf", tarball, "-C", unpacked]);
          const agentDir = temporaryDirectory("pi-litellm-installed-");
          const env = { LITELLM_BASE_URL: fake.url, LITELLM_API_KEY: API_KEY };
          const install = await runPi(["install", join(unpacked, "package")], env, { extension: null, agentDir });
          assertCleanRun(install);
          const list = await runPi(["--list-models", "litellm"], env, { extension: null, agentDir });
          assertCleanRun(list);
          assert.match(list.stdout + list.stderr, /^litellm\s+claude-haiku-4-5\s+200K\s+64K/m);
          const answer = await runPi(["--no-session", "--model", "litellm/gpt-5", "-p", "Hi."], env, { extension: null, agentDir });
          assertCleanRun(answer);
          assert.match(answer.stdout, /Hello from gpt-5\./);
        },
      },
    ],
  };
}
