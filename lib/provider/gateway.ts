/**
 * LiteLLM's MCP gateway as pi's MCP server (pi 1.x): `<proxy>/mcp`, registered with the provider's
 * own key in `x-litellm-api-key` and the section's headers, to the proxy's own origin only. It sends
 * no request when it registers: pi connects when the session starts. `/litellm mcp` reads the tools
 * the gateway serves.
 *
 * @module
 */

import type { LiteLLMConfig } from "../config/config.ts";
import { type ExtensionAPI, registerMcpServer } from "../pi.ts";
import { loadLater } from "../load-later.ts";
import { printable, redact } from "../secrets.ts";
import type { Result } from "../types.ts";

/** Where LiteLLM's MCP gateway stands with pi, for `/litellm`. */
export type McpState =
  | { state: "off" }
  | { state: "unsupported" }
  | { state: "registered"; name: string; url: string }
  | { state: "refused"; problem: string };

/** One provider's MCP gateway. */
export class McpGateway {
  #state: McpState = { state: "off" };
  /** The registration put off until the project's trust is confirmed. */
  #deferred = false;

  constructor(readonly pi: ExtensionAPI, readonly config: LiteLLMConfig, readonly fetch?: typeof globalThis.fetch) {}

  /** Where the gateway stands with pi. */
  get state(): McpState {
    return this.#state;
  }

  /**
   * Registers `<proxy>/mcp` with pi where pi has MCP. While `mayConnect` is `false` (the project's
   * trust not confirmed) it is put off: pi connects a server at session start, with the key.
   * Returns the problem line when pi refused the registration.
   */
  register(mayConnect: boolean): string | undefined {
    const mcp = this.config.mcp;
    if (!mcp) return undefined;
    if (!mayConnect) {
      this.#deferred = true;
      return undefined;
    }
    const url = `${this.config.baseUrl}/mcp`;
    const headers = { ...this.config.headers, ...(this.config.apiKey ? { "x-litellm-api-key": `Bearer ${this.config.apiKey}` } : {}) };
    const registered = registerMcpServer(this.pi, mcp.name, {
      url,
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      ...(mcp.exposure ? { exposure: mcp.exposure } : {}),
      description: `The MCP servers of the LiteLLM proxy at ${this.config.baseUrl}`,
    });
    if (!registered.ok) {
      const problem = redact(`LiteLLM: pi refused the MCP gateway ${mcp.name} (${url}): ${registered.problem}`, this.config.secrets);
      this.#state = { state: "refused", problem };
      return problem;
    }
    this.#state = registered.value ? { state: "registered", name: mcp.name, url } : { state: "unsupported" };
    return undefined;
  }

  /** Registers what was put off, now that it may connect. */
  registerDeferred(): string | undefined {
    if (!this.#deferred) return undefined;
    this.#deferred = false;
    return this.register(true);
  }

  /**
   * The tools the gateway serves (`/mcp-rest/tools/list`), one line each, read when `/litellm mcp`
   * asks: `server-tool: what it does`. `config` is the one the provider's own requests use.
   */
  async tools(config: LiteLLMConfig): Promise<Result<string[]>> {
    const { proxyRequest } = await loadLater(() => import("../catalog/discovery.ts"));
    const { getJson } = await loadLater(() => import("../proxy-http.ts"));
    const result = await getJson(proxyRequest(config, "/mcp-rest/tools/list", this.fetch));
    if (!result.ok) return { ok: false, problem: result.problem.message };
    const body = result.value as { tools?: unknown } | unknown[];
    const tools = Array.isArray(body)
      ? body
      : Array.isArray((body as { tools?: unknown }).tools)
      ? (body as { tools: unknown[] }).tools
      : [];
    return {
      ok: true,
      value: tools.map((tool) => {
        const { name, description, mcp_info: info } = (tool ?? {}) as {
          name?: unknown;
          description?: unknown;
          mcp_info?: { server_name?: unknown };
        };
        // LiteLLM lists a tool by its own name and its server; the gateway serves it as `server-tool`.
        const server = typeof info?.server_name === "string" ? `${info.server_name}-` : "";
        const about = typeof description === "string" ? `: ${description.split("\n")[0]}` : "";
        return printable(`${server}${typeof name === "string" ? name : "(unnamed)"}${about}`);
      }),
    };
  }
}
