/**
 * The budgets the proxy keeps for the key, its team and its user, read when `/litellm` or
 * `/litellm spend` asks (and `/key/info` once per session for the footer's reset): `/key/info`,
 * `/team/info`, `/user/info`. A proxy without a database answers none of them; what could not be
 * read is said, with why.
 *
 * @module
 */

import type { LiteLLMConfig } from "../config/config.ts";
import { proxyRequest } from "../catalog/discovery.ts";
import { getJson } from "../proxy-http.ts";
import { type KeyInfo, readKeyInfo } from "../requests/spend.ts";
import type { Result } from "../types.ts";
import type { ReportedBudget } from "./spend-meter.ts";

/** `/key/info` for the caller's own key. */
export async function keyInfo(config: LiteLLMConfig, fetchImpl?: typeof fetch): Promise<Result<KeyInfo>> {
  const result = await getJson(proxyRequest(config, "/key/info", fetchImpl));
  return result.ok ? { ok: true, value: readKeyInfo(result.value) } : { ok: false, problem: result.problem.message };
}

/** Where a team's and a user's budgets are read, and the field of the answer that holds them. */
const OWNERS = [
  {
    who: "team",
    path: (key: KeyInfo) => key.teamId && `/team/info?team_id=${encodeURIComponent(key.teamId)}`,
    field: "team_info",
    id: (key: KeyInfo) => key.teamId,
  },
  { who: "user", path: () => "/user/info", field: "user_info", id: (key: KeyInfo) => key.userId },
] as const;

/** Every budget the proxy answers for: the key's, and its team's and user's; the rest as lines saying why not. */
export async function budgets(
  config: LiteLLMConfig,
  fetchImpl?: typeof fetch,
): Promise<{ key?: KeyInfo; budgets: ReportedBudget[]; unknown: string[] }> {
  const key = await keyInfo(config, fetchImpl);
  if (!key.ok) return { budgets: [], unknown: [`key budget, reset, expiry, team and user: /key/info unavailable (${key.problem})`] };
  const found: ReportedBudget[] = [{ who: "key (/key/info)", ...key.value }];
  const unknown = key.value.expires ? [`the key expires ${key.value.expires.slice(0, 16).replace("T", " ")}`] : [];
  for (const owner of OWNERS) {
    const path = owner.path(key.value);
    if (!path) continue;
    const route = path.split("?")[0];
    const answer = await getJson(proxyRequest(config, path, fetchImpl));
    if (!answer.ok) {
      unknown.push(`${owner.who} budget: ${route} unavailable (${answer.problem.message})`);
      continue;
    }
    const info = readKeyInfo((answer.value as Record<string, unknown> | null)?.[owner.field] ?? answer.value);
    const id = owner.id(key.value);
    found.push({ who: `${owner.who}${id ? ` ${id}` : ""} (${route})`, ...info });
  }
  return { key: key.value, budgets: found, unknown };
}
