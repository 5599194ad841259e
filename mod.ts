/**
 * pi extension: a `litellm` provider whose models are discovered from a LiteLLM proxy, whose
 * requests are streamed by pi-ai's own implementations, and whose payloads lose the fields each
 * backend rejects.
 *
 * ```sh
 * LITELLM_BASE_URL=http://localhost:4000 LITELLM_API_KEY=sk-... pi -e ./mod.ts --list-models litellm
 * ```
 *
 * @module
 */

import type { ExtensionAPI } from "./lib/pi.ts";
import { type ExtensionOptions, startExtension } from "./lib/startup.ts";

export type { ExtensionOptions };

/** Creates the extension factory. Never throws: pi keeps its other providers whatever happens here. */
export function litellmExtension(options: ExtensionOptions = {}): (pi: ExtensionAPI) => Promise<void> {
  return (pi) => startExtension(pi, options);
}

/** The extension as pi loads it: configured from the environment and pi's settings. */
export default litellmExtension();
