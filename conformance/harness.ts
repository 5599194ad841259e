/**
 * pi in-process: loads `mod.ts` into a stand-in for pi's extension API, builds each registered model
 * as pi's registry would, and runs requests through the registered stream function (and, for
 * negative controls, straight through pi-ai). The real pi CLI is `pi-cli.ts`.
 *
 * @module
 */

import type { AssistantMessage, AssistantMessageEventStream, Context, ExtensionAPI, Model, SimpleStreamOptions } from "../lib/pi.ts";
import { WIRE_API_TABLE, wireStream } from "../lib/requests/wire-apis.ts";
import type { WireApi } from "../lib/types.ts";
import { type ExtensionOptions, litellmExtension } from "../mod.ts";
import { assertNoSecrets, filesUnder } from "./leaks.ts";
import { temporaryDirectory } from "./temporary.ts";

/** What `registerProvider` received. */
export interface RegisteredProvider {
  name: string;
  config: Parameters<ExtensionAPI["registerProvider"]>[1];
}

/** A command registered through `registerCommand`. */
export interface RegisteredCommand {
  description?: string;
  handler: (args: string, ctx: unknown) => Promise<void> | void;
}

/** The extension after its factory ran against the stand-in. */
export interface LoadedExtension {
  providers: Map<string, RegisteredProvider>;
  commands: Map<string, RegisteredCommand>;
  handlers: Map<string, ((event: unknown, ctx: unknown) => unknown)[]>;
  warnings: string[];
  /** The model as pi's registry builds it from a registered definition. */
  model(id: string, provider?: string): Model<string>;
  /** Runs a request through the provider's registered stream function. */
  stream(id: string, options?: SimpleStreamOptions, context?: Context): AssistantMessageEventStream;
}

/** A minimal user turn. */
export function userContext(text = "Say hello."): Context {
  return { systemPrompt: "You are a test.", messages: [{ role: "user", content: text, timestamp: Date.now() }] };
}

/**
 * Loads the extension with the given environment; registrations land in the returned maps. The
 * project directory is a fresh one unless `cwd` says otherwise, so no stray `.pi/settings.json` applies.
 */
export async function loadExtension(
  env: Record<string, string | undefined>,
  cwd = temporaryDirectory("pi-litellm-project-"),
  options: Pick<ExtensionOptions, "projectTrust"> = {},
): Promise<LoadedExtension> {
  const providers = new Map<string, RegisteredProvider>();
  const commands = new Map<string, RegisteredCommand>();
  const handlers = new Map<string, ((event: unknown, ctx: unknown) => unknown)[]>();
  const warnings: string[] = [];
  const pi = {
    registerProvider: (name: string, config: RegisteredProvider["config"]) => providers.set(name, { name, config }),
    unregisterProvider: (name: string) => providers.delete(name),
    registerCommand: (name: string, command: RegisteredCommand) => commands.set(name, command),
    on: (event: string, handler: (event: unknown, ctx: unknown) => unknown) => {
      handlers.set(event, [...(handlers.get(event) ?? []), handler]);
    },
  } as unknown as ExtensionAPI;
  // Learned rules go to a throwaway agent directory unless the test shares one between instances.
  const agentEnv = { PI_CODING_AGENT_DIR: temporaryDirectory("pi-litellm-agent-"), ...env };
  await litellmExtension({ env: agentEnv, cwd, warn: (line) => warnings.push(line), ...options })(pi);
  assertNoSecrets(env, {
    ...Object.fromEntries(warnings.map((line, index) => [`warning ${index}`, line])),
    ...filesUnder(agentEnv.PI_CODING_AGENT_DIR),
  });

  const model = (id: string, providerName = "litellm"): Model<string> => {
    const provider = providers.get(providerName);
    const definition = provider?.config.models?.find((candidate) => candidate.id === id);
    if (!provider || !definition) throw new Error(`${providerName} registered no model ${id}`);
    const { api, baseUrl, ...rest } = definition;
    return { ...rest, api: api ?? provider.config.api!, provider: providerName, baseUrl: baseUrl ?? provider.config.baseUrl! } as Model<
      string
    >;
  };
  return {
    providers,
    commands,
    handlers,
    warnings,
    model,
    stream: (id, options = {}, context = userContext()) => {
      const provider = providers.get("litellm")!;
      // pi hands the registered provider's key and headers, looked up per request.
      const headers = provider.config.headers ? { headers: provider.config.headers } : {};
      return provider.config.streamSimple!(model(id) as never, context, { apiKey: provider.config.apiKey, ...headers, ...options });
    },
  };
}

/** The same request without the extension: pi-ai's own stream for the wire API, nothing filtered. */
export function streamWithoutExtension(
  model: Model<string>,
  wireApi: WireApi,
  options: SimpleStreamOptions,
  context = userContext(),
): AssistantMessageEventStream {
  const baseUrl = WIRE_API_TABLE[wireApi].baseUrl(model.baseUrl.replace(/\/v1$/, ""));
  return wireStream(wireApi)({ ...model, api: wireApi, baseUrl } as Model<string>, context, options);
}

/** Everything a stream produced. */
export interface StreamOutcome {
  text: string;
  thinking: string;
  toolCalls: string[];
  message: AssistantMessage;
  eventTypes: string[];
}

/** Consumes a stream to its end. */
export async function collect(stream: AssistantMessageEventStream): Promise<StreamOutcome> {
  const eventTypes: string[] = [];
  let text = "";
  let thinking = "";
  const toolCalls: string[] = [];
  for await (const event of stream) {
    eventTypes.push(event.type);
    if (event.type === "text_delta") text += event.delta;
    if (event.type === "thinking_delta") thinking += event.delta;
    if (event.type === "toolcall_end") toolCalls.push(event.toolCall.name);
  }
  return { text, thinking, toolCalls, message: await stream.result(), eventTypes };
}

/** An error line as a user reads it: without the invisible word joiners that keep pi's retry away. */
export function plain(text: string | undefined): string {
  return (text ?? "").replaceAll("\u2060", "");
}

/** Dotted paths of a payload's fields, one level into plain objects (`reasoning.summary`). */
export function fieldPaths(payload: unknown): string[] {
  const paths: string[] = [];
  for (const [key, value] of Object.entries((payload ?? {}) as Record<string, unknown>)) {
    paths.push(key);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      for (const child of Object.keys(value)) paths.push(`${key}.${child}`);
    }
  }
  return paths;
}
