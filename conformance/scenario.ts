/**
 * The proxy the conformance suite and `npm start` run against: one model per family the policy
 * distinguishes, each served by the backend family whose recorded errors the fake replays.
 *
 * @module
 */

import type { Model } from "../lib/pi.ts";
import type { FakeModel, Scenario } from "./fake-litellm.ts";

/** The key the fake accepts. Tests scan every output for it. */
export const API_KEY = "sk-conformance-7f3a9c2e";

/** One model per family × backend the policy distinguishes. */
export const FAMILY_MODELS: readonly FakeModel[] = [
  { id: "claude-haiku-4-5", servedBy: "claude", litellmModel: "anthropic/claude-haiku-4-5-20251001" },
  { id: "gemini-2.5-pro", servedBy: "gemini", litellmModel: "vertex_ai/gemini-2.5-pro" },
  { id: "databricks-claude-sonnet-4", servedBy: "databricks-claude", litellmModel: "databricks/databricks-claude-sonnet-4" },
  { id: "databricks-claude-opus-5", servedBy: "databricks-claude", litellmModel: "databricks/databricks-claude-opus-5" },
  { id: "databricks-gemini-2-5-pro", servedBy: "databricks-gemini", litellmModel: "databricks/databricks-gemini-2-5-pro" },
  { id: "gpt-4o", servedBy: "gpt-4", litellmModel: "azure/gpt-4o" },
  { id: "gpt-5", servedBy: "gpt-5", litellmModel: "azure/gpt-5" },
  { id: "o3", servedBy: "o-series", litellmModel: "azure/o3" },
  { id: "my-company-model", servedBy: "lenient", litellmModel: "hosted_vllm/my-company-model" },
];

/** The conformance scenario: every family model, plus wildcard routes discovery must skip. */
export function conformanceScenario(extra: FakeModel[] = []): Scenario {
  return { apiKey: API_KEY, models: [...FAMILY_MODELS, ...extra], wildcards: ["anthropic/*", "*"] };
}

/** `count` models no family matches, the way a large enterprise proxy lists them. */
export function manyModels(count: number): FakeModel[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `team-${String(index).padStart(4, "0")}-model`,
    servedBy: "lenient",
    deployments: [{ max_input_tokens: 128000, max_output_tokens: 8192, input_cost_per_token: 1e-6, output_cost_per_token: 2e-6 }],
  }));
}

/** A model of the `litellm` provider as pi's registry hands it to the stream function, for tests that call it directly. */
export function piModel(id: string): Model<string> {
  return {
    id,
    name: id,
    api: "litellm:litellm",
    provider: "litellm",
    baseUrl: "http://proxy.test/v1",
    reasoning: true,
    input: ["text"],
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    contextWindow: 200_000,
    maxTokens: 64_000,
  };
}
