/**
 * The floor `npm run bench` holds the extension against: the cheapest extension that registers the
 * same catalog, read from `BENCH_FLOOR_MODELS` (the models the extension registers, as JSON), and
 * does nothing else. What the extension costs beyond it is its own work: settings, trust, the cache.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";
import type { ExtensionAPI } from "../lib/pi.ts";

/** Registers the models in `BENCH_FLOOR_MODELS` under `litellm`, with pi-ai's own Chat Completions stream. */
export default function floorExtension(pi: ExtensionAPI): void {
  const models = JSON.parse(readFileSync(process.env.BENCH_FLOOR_MODELS!, "utf8"));
  pi.registerProvider("litellm", {
    name: "LiteLLM",
    baseUrl: `${process.env.LITELLM_BASE_URL}/v1`,
    apiKey: process.env.LITELLM_API_KEY!,
    api: "openai-completions",
    models,
  });
}
