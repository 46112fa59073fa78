// Jest on the kind cluster (make kind-e2e): the kube project's settings, pointed by
// global-setup.ts at the kind cluster instead of the local control plane.
//   kind-demo: a message through the demo instance of make kind-up (message.kind.test.ts)
//   chart:     the chart suite (e2e/chart/), with the operator image running in-cluster
import { URL, fileURLToPath } from "node:url";
import base from "../../jest.config.js";

const kube = base.projects.find((p) => p.displayName === "kube");
const onKind = {
  ...kube,
  rootDir: fileURLToPath(new URL("../..", import.meta.url)),
  globalSetup: "<rootDir>/e2e/kind/global-setup.ts",
  globalTeardown: undefined,
};

export default {
  projects: [
    { ...onKind, displayName: "kind-demo", testMatch: ["<rootDir>/e2e/kind/**/*.kind.test.ts"] },
    { ...onKind, displayName: "chart", testMatch: ["<rootDir>/e2e/chart/**/*.kube.test.ts"] },
  ],
};
