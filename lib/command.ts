/**
 * `/litellm` inside pi: where the models come from and what was learned (`/litellm`), re-discovery
 * now (`/litellm refresh`), the session's spend (`/litellm spend`), the gateway's tools
 * (`/litellm mcp`), and clearing learned rules (`/litellm forget`), one handler per subcommand in
 * one table.
 *
 * @module
 */

import type { ExtensionAPI } from "./pi.ts";
import type { BackgroundRefresh, LiteLLMProvider, McpState } from "./provider/provider.ts";
import { printable } from "./secrets.ts";
import { keyInfoLine } from "./requests/spend.ts";
import { WIRE_API_TABLE } from "./requests/wire-apis.ts";

/** "42 s", "5 min", "3 h", "2 d": how long ago, in the largest unit that fits. */
export function age(milliseconds: number): string {
  const seconds = Math.max(0, Math.round(milliseconds / 1000));
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

/** One line per state of the MCP gateway registration. */
const MCP_LINES: Readonly<Record<McpState["state"], (mcp: McpState) => string>> = {
  off: () => "  MCP gateway: off (litellm.mcp in settings)",
  unsupported: () => "  MCP gateway: needs pi 1.x or later (this pi has no MCP), so the proxy's MCP tools are not in pi",
  registered: (mcp) =>
    mcp.state === "registered"
      ? `  MCP gateway: ${mcp.url} as pi's MCP server "${mcp.name}" (pi connects when a session starts; /litellm mcp lists its tools)`
      : "",
  refused: (mcp) => `  MCP gateway: ${mcp.state === "refused" ? mcp.problem : ""}`,
};

const BACKGROUND: Readonly<Record<BackgroundRefresh["state"], (refresh: BackgroundRefresh) => string>> = {
  scheduled: () => "a background refresh for the next start is scheduled",
  running: () => "refreshing in the background for the next start",
  done: (refresh) =>
    `refreshed in the background (${refresh.state === "done" ? refresh.models : 0} models), applies at the next start or /litellm refresh`,
  failed: (refresh) => `background refresh failed: ${refresh.state === "failed" ? refresh.problem : ""}`,
};

/** The status of one provider, a few lines. */
export function statusLines(provider: LiteLLMProvider, now = Date.now()): string[] {
  const { config } = provider;
  const catalog = provider.models.current;
  const key = config.apiKey ? `key from ${config.apiKeyVariable}` : "no key";
  const lines = [`${config.providerName}: ${config.baseUrl} (${key})`];
  if (!catalog) {
    lines.push(`  no models registered: ${provider.models.problem ?? "discovery has not finished yet"}`);
  } else {
    const origin = provider.models.fromCache
      ? `cache of /v1/${catalog.source}, ${age(now - catalog.fetchedAt)} old`
      : `/v1/${catalog.source}, ${age(now - catalog.fetchedAt)} ago`;
    lines.push(`  ${catalog.models.length} models from ${origin}`);
    if (provider.refreshes.background) lines.push(`  ${BACKGROUND[provider.refreshes.background.state](provider.refreshes.background)}`);
    for (const model of catalog.models.filter((entry) => entry.info?.ignoredLimits)) {
      lines.push(
        `  ${printable(model.id)}: ignored ${
          model.info!.ignoredLimits!.join(", ")
        } from the proxy (not a whole number of tokens in range); the family's limits apply`,
      );
    }
    for (const wireApi of provider.models.unservedRoutes) {
      lines.push(
        `  ${WIRE_API_TABLE[wireApi].route} is not served by this proxy (404): its models use ${WIRE_API_TABLE[wireApi].fallback}`,
      );
    }
  }
  lines.push(MCP_LINES[provider.gateway.state.state](provider.gateway.state));
  const rules = provider.rules.list();
  lines.push(rules.length === 0 ? "  learned rules: none" : `  learned rules (${rules.length}):`);
  for (const rule of rules) {
    lines.push(
      `    ${printable(rule.model)} over ${rule.wireApi}: no "${rule.field}" (since ${rule.learnedAt.slice(0, 16).replace("T", " ")})`,
    );
  }
  return lines;
}

type Notify = (message: string, type: "info" | "warning" | "error") => void;

/** One subcommand: what completion shows, and what it does. */
interface Subcommand {
  name: string;
  description: string;
  run(providers: readonly LiteLLMProvider[], notify: Notify): Promise<void>;
}

/** The learned rules a forget removes, named: "acme-1 store, gpt-5 temperature". */
function ruleNames(providers: readonly LiteLLMProvider[]): string {
  return providers.flatMap((provider) => provider.rules.list().map((rule) => `${printable(rule.model)} "${rule.field}"`)).join(", ");
}

/** The subcommands, in the order completion offers them; `status` is the default. */
const SUBCOMMANDS: readonly Subcommand[] = [
  {
    name: "status",
    description: "where the models come from, what was learned, the key's spend",
    async run(providers, notify) {
      const keys = await Promise.all(providers.map((provider) => provider.keyInfo()));
      const lines = providers.flatMap((provider, index) => {
        const key = keys[index]!;
        return [...statusLines(provider), key.ok ? keyInfoLine(key.value) : `  key: /key/info unavailable (${key.problem})`];
      });
      notify(lines.join("\n"), "info");
    },
  },
  {
    name: "refresh",
    description: "re-discover the models now",
    async run(providers, notify) {
      for (const provider of providers) {
        const registered = await provider.refresh();
        if (registered.ok) {
          notify(
            `${provider.config.providerName}: ${registered.value} models registered from /v1/${provider.models.current?.source}`,
            "info",
          );
        } else notify(registered.problem.message, "error");
      }
    },
  },
  {
    name: "spend",
    description: "the session's turns and cost, the key's, team's and user's budgets",
    async run(providers, notify) {
      const reports = await Promise.all(providers.map((provider) => provider.spendReport()));
      notify(reports.flat().join("\n"), "info");
    },
  },
  {
    name: "mcp",
    description: "the tools the proxy's MCP gateway serves",
    async run(providers, notify) {
      const lists = await Promise.all(providers.map((provider) => provider.mcpTools()));
      const lines = providers.flatMap((provider, index) => {
        const tools = lists[index]!;
        if (!tools.ok) return [`${provider.config.providerName}: MCP tools unavailable (${tools.problem})`];
        if (tools.value.length === 0) return [`${provider.config.providerName}: the MCP gateway serves no tools`];
        return [`${provider.config.providerName}: ${tools.value.length} MCP tools`, ...tools.value.map((tool) => `  ${tool}`)];
      });
      notify(lines.join("\n"), "info");
    },
  },
  {
    name: "forget",
    description: "clear learned parameter rules and unserved routes",
    async run(providers, notify) {
      const names = ruleNames(providers);
      const forgotten = providers.reduce((count, provider) => count + provider.rules.forget(), 0);
      const routes = providers.reduce((count, provider) => count + provider.forgetRoutes(), 0);
      const rules = forgotten === 0
        ? "no learned rules to forget"
        : `forgot ${forgotten} learned rule${
          forgotten === 1 ? "" : "s"
        } (${names}): those fields are sent again, the policy's own drops still apply`;
      const retried = routes > 0 ? `; ${routes} unserved route${routes === 1 ? " is" : "s are"} tried again` : "";
      notify(`LiteLLM: ${rules}${retried}`, "info");
    },
  },
];

/**
 * Registers `/litellm` over the list of providers in use (read when it runs: a login or a trust
 * decision changes it). `problem` says why there is none, shown instead of a status.
 */
export function registerLiteLLMCommand(
  pi: ExtensionAPI,
  providers: readonly LiteLLMProvider[],
  problem: () => string | undefined = () => undefined,
): void {
  pi.registerCommand("litellm", {
    description: `LiteLLM proxy: ${SUBCOMMANDS.map((subcommand) => `${subcommand.name} (${subcommand.description})`).join(", ")}`,
    getArgumentCompletions: (prefix: string) => {
      const items = SUBCOMMANDS.filter(({ name }) => name.startsWith(prefix)).map(({ name, description }) => ({
        value: name,
        label: name,
        description,
      }));
      return items.length > 0 ? items : null;
    },
    handler: async (args, ctx) => {
      const notify: Notify = (message, type) => ctx.ui.notify(message, type);
      // A login during the session fills the list after the command was registered.
      if (providers.length === 0) return notify(problem() ?? "LiteLLM: no provider is configured", "warning");
      const name = args.trim() || "status";
      const subcommand = SUBCOMMANDS.find((candidate) => candidate.name === name);
      if (!subcommand) {
        return notify(
          `Unknown subcommand "${name}"; use ${SUBCOMMANDS.map((candidate) => `/litellm ${candidate.name}`).join(", ")}`,
          "warning",
        );
      }
      await subcommand.run(providers, notify);
    },
  });
}
