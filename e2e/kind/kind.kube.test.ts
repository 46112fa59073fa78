// What can be checked here of the kind path, which needs a Docker engine this machine lacks:
// - kind v0.33.0 (built from the Go module proxy by make tools) loads and validates cluster.yaml.
//   `kind create cluster` asks the container engine for its info before it reads the config, so
//   a stand-in `docker` first on PATH answers `-v`, `info` and `ps` (no clusters) and refuses
//   anything else: kind then decodes and validates the config, says "Creating cluster", and stops
//   at pulling the node image. A broken config stops it earlier, with kind's own message.
// - shellcheck finds nothing in the scripts.
// - The simulator and receiver manifests (what runs beside the chart) are accepted by the API
//   server in a namespace enforcing the restricted Pod Security level, without a warning.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { testCluster, useTestNamespace } from "../testing/cluster.js";
import { run, toolsDir } from "../testing/run.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const engineInfo = JSON.stringify({ CgroupDriver: "systemd", CgroupVersion: "2", MemoryLimit: true, PidsLimit: true, CPUShares: true, SecurityOptions: ["name=seccomp,profile=builtin"] });
const standInDocker = `#!/bin/sh
case "$1" in
  -v) echo "Docker version 27.0.0, build stand-in" ;;
  info) echo '${engineInfo}' ;;
  ps) ;;
  *) echo "stand-in docker: no engine here ($*)" >&2; exit 1 ;;
esac
`;
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "waba-kind-check-"));
  mkdirSync(join(scratch, "bin"));
  writeFileSync(join(scratch, "bin", "docker"), standInDocker);
  chmodSync(join(scratch, "bin", "docker"), 0o755);
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** `kind create cluster --config <file>` with the stand-in engine; its combined output. */
async function kindCreate(config: string): Promise<{ code: number; output: string }> {
  const { code, stdout, stderr } = await run(join(toolsDir, "kind"), ["create", "cluster", "--config", config], {
    env: { PATH: `${join(scratch, "bin")}:${process.env.PATH ?? ""}`, KUBECONFIG: join(scratch, "kubeconfig"), KIND_EXPERIMENTAL_PROVIDER: "docker" },
    check: false,
  });
  return { code, output: stdout + stderr };
}

describe("kind", () => {
  test("decodes and validates e2e/kind/cluster.yaml, then stops only for want of a container engine", async () => {
    const { code, output } = await kindCreate(join(here, "cluster.yaml"));
    expect(code).not.toBe(0);
    expect(output).toContain('Creating cluster "waba" ...');
    expect(output).toMatch(/failed to pull image "kindest\/node:v1\.\d+\.\d+@sha256:[0-9a-f]{64}"/);
  });

  test.each([
    ["an unknown field", "nodes:\n  - role: control-plane\n    lables: {a: b}\n", /field lables not found/],
    ["no control-plane node", "nodes:\n  - role: worker\n", /must have at least one control-plane node/],
  ])("refuses a config with %s before creating anything", async (_, nodes, message) => {
    const file = join(scratch, "broken.yaml");
    writeFileSync(file, `kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n${nodes}`);
    const { code, output } = await kindCreate(file);
    expect(code).not.toBe(0);
    expect(output).toMatch(message);
    expect(output).not.toContain("Creating cluster");
  });
});

test("shellcheck finds nothing in the kind scripts", async () => {
  const scripts = readdirSync(here).filter((f) => f.endsWith(".sh")).map((f) => join(here, f));
  expect(scripts.length).toBeGreaterThanOrEqual(4);
  const result = await run("shellcheck", ["-x", ...scripts], { check: false });
  expect(result.stdout).toBe("");
  expect(result.code).toBe(0);
});

describe("the manifests deployed beside the chart", () => {
  const cluster = testCluster();
  const ns = useTestNamespace({ "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted" });

  test.each(["simulator.yaml", "receiver.yaml"])("%s is accepted under the restricted Pod Security level, without a warning", async (file) => {
    const manifest = readFileSync(join(here, file), "utf8").replaceAll("@RUNTIME_IMAGE@", "waba-runtime:0.0.0");
    const result = await cluster.kubectl(["apply", "-n", ns.name, "--server-side", "--dry-run=server", "-f", "-"], { input: manifest, check: false });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});
