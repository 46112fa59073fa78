import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { loadConfig, OperatorConfigError, parseConfig, type OperatorConfigInput } from "./config.js";
import { testConfig } from "./testing/config.js";

const minimal: OperatorConfigInput = {
  images: { runtime: "waba-runtime:1", postgres: "postgres:17" },
  gatewayUrl: "wss://gateway.example",
  messagesPerShard: 10,
  regions: { "eu-central-1": { nodeLabelValue: "eu-central-1", storageClassName: "standard-eu-central-1" } },
  tiers: { standard: { maxMessagesPerSecond: 80, maxShards: 8 } },
};

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(OperatorConfigError);
    return (err as Error).message;
  }
  throw new Error("expected an OperatorConfigError");
}

describe("the operator configuration", () => {
  it("loads the test cluster's regions and tiers from the example file", () => {
    expect(Object.keys(testConfig.regions)).toEqual(["eu-central-1", "me-central-1"]);
    expect(testConfig.regions["me-central-1"]).toEqual({
      nodeLabelValue: "me-central-1",
      storageClassName: "standard-me-central-1",
      allowedStorageClassNames: [],
    });
    expect(testConfig.tiers.standard?.resources.webapp).toEqual({ requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } });
    expect(testConfig.tiers.enterprise?.resources.database?.requests?.cpu).toBe("1");
  });

  it("fills defaults: the tier's rate limit from its maximum, runtime log level, no admission server", () => {
    const config = parseConfig(minimal);
    expect(config.tiers.standard?.rateLimit).toEqual({ perSecond: 80, burst: 240 });
    expect(config.tiers.standard?.resources).toEqual({});
    expect(config.runtimeLogLevel).toBe("info");
    expect(config.webhookServer).toBeUndefined();
    expect(parseConfig({ ...minimal, webhookServer: { certFile: "/tls/tls.crt", keyFile: "/tls/tls.key" } }).webhookServer).toEqual({
      port: 9443, bindAddress: "0.0.0.0", certFile: "/tls/tls.crt", keyFile: "/tls/tls.key",
    });
  });

  it("names every bad field at once", () => {
    const message = messageOf(() =>
      parseConfig({
        ...minimal,
        gatewayUrl: "http://gateway.example",
        messagesPerShard: 0,
        regions: { "eu-central-1": { nodeLabelValue: "eu-central-1", storageClass: "x" } },
        tiers: { standard: { maxMessagesPerSecond: 80, maxShards: 10, resources: { webapp: { requests: { cpu: "lots" } } } } },
      }),
    );
    expect(message).toContain("gatewayUrl: must be a ws:// or wss:// URL");
    expect(message).toContain("messagesPerShard: ");
    expect(message).toContain("regions.eu-central-1.storageClassName: is required");
    expect(message).toContain("regions.eu-central-1.storageClass: unknown field");
    expect(message).toContain("tiers.standard.maxShards: must be one of 1, 2, 4, 8, 16, 32");
    expect(message).toContain("tiers.standard.resources.webapp.requests.cpu: must be a quantity such as 250m or 1Gi");
  });

  it("requires at least one region and one tier", () => {
    const message = messageOf(() => parseConfig({ ...minimal, regions: {}, tiers: {} }));
    expect(message).toContain("regions: must name at least one region");
    expect(message).toContain("tiers: must name at least one tier");
  });

  describe("from a file", () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), "waba-config-"));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it("reads YAML and JSON alike", () => {
      writeFileSync(join(dir, "c.yaml"), yaml.dump(minimal));
      writeFileSync(join(dir, "c.json"), JSON.stringify(minimal));
      expect(loadConfig(join(dir, "c.json"))).toEqual(loadConfig(join(dir, "c.yaml")));
    });

    it("says which file is missing, unreadable or invalid", () => {
      expect(messageOf(() => loadConfig(join(dir, "absent.yaml")))).toBe(`cannot read operator configuration ${join(dir, "absent.yaml")}: ENOENT`);
      writeFileSync(join(dir, "bad.yaml"), "tiers: [unclosed");
      expect(messageOf(() => loadConfig(join(dir, "bad.yaml")))).toContain(`operator configuration ${join(dir, "bad.yaml")} is not valid YAML`);
      writeFileSync(join(dir, "wrong.yaml"), yaml.dump({ ...minimal, images: { runtime: "x" } }));
      expect(messageOf(() => loadConfig(join(dir, "wrong.yaml")))).toBe(`invalid operator configuration ${join(dir, "wrong.yaml")}:\n  images.postgres: is required`);
    });
  });
});
