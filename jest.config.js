// Three projects, chosen by file name, each starting only what it needs:
//   *.test.ts       pure logic, no outside process
//   *.pg.test.ts    a real PostgreSQL, started once for the run (runtime/db/testing)
//   *.kube.test.ts  a real control plane, started or reused once for the run (e2e/testing)
// (*.kind.test.ts need the kind cluster of make kind-up: e2e/kind/jest.config.js runs them.)
const esm = {
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: { "^.+\\.ts$": ["ts-jest", { useESM: true }] },
  testEnvironment: "node",
};
const ignored = ["/node_modules/", "/dist/"];

export default {
  projects: [
    {
      ...esm,
      displayName: "unit",
      testMatch: ["<rootDir>/**/*.test.ts"],
      testPathIgnorePatterns: [...ignored, "\\.pg\\.test\\.ts$", "\\.kube\\.test\\.ts$", "\\.kind\\.test\\.ts$"],
    },
    {
      ...esm,
      displayName: "postgres",
      testMatch: ["<rootDir>/**/*.pg.test.ts"],
      testPathIgnorePatterns: ignored,
      globalSetup: "<rootDir>/runtime/db/testing/postgres.ts",
      globalTeardown: "<rootDir>/runtime/db/testing/global-teardown.ts",
      setupFilesAfterEnv: ["<rootDir>/runtime/db/testing/pg-test-setup.ts"],
    },
    {
      ...esm,
      displayName: "kube",
      testMatch: ["<rootDir>/**/*.kube.test.ts"],
      testPathIgnorePatterns: ignored,
      globalSetup: "<rootDir>/e2e/testing/global-setup.ts",
      globalTeardown: "<rootDir>/e2e/testing/global-teardown.ts",
      setupFilesAfterEnv: ["<rootDir>/e2e/testing/kube-test-setup.ts"],
    },
  ],
};
