// Build contexts for unit tests: an instance as stored, the test configuration, fixed credentials.
import type { WabaInstance, WabaInstanceSpec } from "../../api/types.js";
import { instance } from "../../api/testing/examples.js";
import { testConfig } from "../../config/testing/config.js";
import { buildContext, type BuildContext, type BuildInputs } from "../context.js";
import type { Credentials } from "../credentials.js";
import { generateCredentials } from "../generate-credentials.js";

/** Credentials from a counter instead of the CSPRNG: distinct per call, the same in every run. */
export function fixedCredentials(seed = 1): Credentials {
  let n = seed;
  return generateCredentials((size) => Buffer.alloc(size, n++));
}

export const testInputs: BuildInputs = { credentials: { generated: fixedCredentials() } };

export function contextFor(source: WabaInstance, inputs: Partial<BuildInputs> = {}): BuildContext {
  const { context, problems } = buildContext(source, testConfig, { ...testInputs, ...inputs });
  if (!context) throw new Error(`not buildable: ${problems.map((p) => p.message).join("; ")}`);
  return context;
}

/** The context of `instance(spec)`: acme in waba-test, eu-central-1, tier standard unless given. */
export function testContext(spec: Partial<WabaInstanceSpec> = {}, inputs: Partial<BuildInputs> = {}): BuildContext {
  return contextFor(instance(spec), inputs);
}
