// The test configuration (testdata/operator-config.yaml), loaded once for unit tests.
import { fileURLToPath } from "node:url";
import { loadConfig } from "../config.js";

export const testConfigPath = fileURLToPath(new URL("../testdata/operator-config.yaml", import.meta.url));
export const testConfig = loadConfig(testConfigPath);
