/**
 * The one seam to pi's API. Everything the extension calls in pi-ai or pi-coding-agent goes through
 * here, so a pi release that moves something is one change in this seam.
 *
 * Its parts, in `pi/`: registering with pi, what pi knows before the extension loads, pi-ai's
 * streams, and the session. Features are detected, never versions compared.
 *
 * @module
 */

export type {
  AssistantMessage,
  AssistantMessageEventStream,
  Context,
  Model,
  SimpleStreamOptions,
  ThinkingContent,
} from "@mariozechner/pi-ai";
export type { ExtensionAPI } from "@mariozechner/pi-coding-agent";
export * from "./pi/registration.ts";
export * from "./pi/startup-inputs.ts";
export * from "./pi/streams.ts";
export * from "./pi/session.ts";
