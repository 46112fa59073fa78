import { parseOptions } from "./options.js";

const env = { POD_NAMESPACE: "waba-system", POD_NAME: "waba-operator-7d9c-abcde" };

describe("the operator's command line and environment", () => {
  it("reads what the chart's Deployment sets, with defaults for the rest", () => {
    const o = parseOptions(["--config", "/etc/waba-operator/config.yaml"], { ...env, WABA_OPERATOR_LEASE: "release-waba-operator", WABA_OPERATOR_HTTP_PORT: "9090" });
    expect(o).toEqual({
      configPath: "/etc/waba-operator/config.yaml",
      kubeconfig: undefined,
      leaderElection: { namespace: "waba-system", leaseName: "release-waba-operator", leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 },
      identity: "waba-operator-7d9c-abcde",
      httpPort: 9090,
      httpHost: "0.0.0.0",
      workers: 4,
      writeQps: 20,
      writeBurst: 30,
    });
  });

  it("lets flags win over the environment", () => {
    const o = parseOptions(["--config=c.yaml", "--namespace", "other", "--http-port", "0", "--workers", "8", "--lease-duration", "4", "--renew-deadline", "3", "--retry-period", "0.5"], { ...env, WABA_OPERATOR_HTTP_PORT: "9090" });
    expect(o.leaderElection).toMatchObject({ namespace: "other", leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 });
    expect(o.httpPort).toBe(0);
    expect(o.workers).toBe(8);
  });

  it("runs without leader election only when asked, and then needs no namespace", () => {
    expect(parseOptions(["--config", "c.yaml", "--no-leader-election"], {}).leaderElection).toBe(false);
  });

  it.each([
    [[], {}, "--config (or WABA_OPERATOR_CONFIG) is required"],
    [["--config", "c.yaml"], {}, "--namespace (or POD_NAMESPACE) is required"],
    [["--config", "c.yaml", "--http-port", "80a"], env, '--http-port (WABA_OPERATOR_HTTP_PORT) must be a port from 0 to 65535, got "80a"'],
    [["--config", "c.yaml"], { ...env, WABA_OPERATOR_WORKERS: "0" }, '--workers (WABA_OPERATOR_WORKERS) must be an integer from 1 to 64, got "0"'],
    [["--config", "c.yaml", "--lease-duration", "2"], env, "--lease-duration (2) must exceed --renew-deadline (10)"],
    [["--config", "c.yaml", "--verbose"], env, "Unknown option '--verbose'"],
  ])("refuses %j naming the flag", (argv, environment, message) => {
    expect(() => parseOptions(argv, environment)).toThrow(message);
  });
});
