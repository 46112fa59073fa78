// The operator's command line and environment (the chart sets the environment; flags win).
// Pure: parseOptions(argv, env) returns the options or throws one OptionsError naming the flag.
import { hostname } from "node:os";
import { parseArgs } from "node:util";

export interface OperatorOptions {
  /** The configuration file (operator/config/). */
  readonly configPath: string;
  /** A kubeconfig file; undefined: KUBECONFIG, ~/.kube/config or the in-cluster ServiceAccount. */
  readonly kubeconfig: string | undefined;
  /** Leader election on a Lease; false runs the controller at once (one replica only). */
  readonly leaderElection: false | {
    readonly namespace: string;
    readonly leaseName: string;
    readonly leaseDurationMs: number;
    readonly renewDeadlineMs: number;
    readonly retryPeriodMs: number;
  };
  /** This replica, in the Lease and in Events. */
  readonly identity: string;
  readonly httpPort: number;
  readonly httpHost: string;
  readonly workers: number;
  readonly writeQps: number;
  readonly writeBurst: number;
}

export class OptionsError extends Error {
  override readonly name = "OptionsError";
}

export const usage = `Usage: node dist/operator/main.js --config FILE [options]

  --config FILE             operator configuration (env WABA_OPERATOR_CONFIG)
  --kubeconfig FILE         kubeconfig (default: KUBECONFIG, ~/.kube/config, in-cluster)
  --namespace NS            namespace of the leader-election Lease (env POD_NAMESPACE)
  --lease-name NAME         the Lease (env WABA_OPERATOR_LEASE, default waba-operator)
  --identity ID             this replica (env POD_NAME, default the host name)
  --no-leader-election      run the controller at once (a single replica only)
  --lease-duration SECONDS  default 15; --renew-deadline SECONDS default 10; --retry-period SECONDS default 2
  --http-port PORT          /healthz /readyz /metrics (env WABA_OPERATOR_HTTP_PORT, default 8080, 0 = any free)
  --http-host HOST          default 0.0.0.0
  --workers N               instances reconciled at once (env WABA_OPERATOR_WORKERS, default 4)
  --write-qps N             API writes per second (env WABA_OPERATOR_WRITE_QPS, default 20)
  --write-burst N           API writes at once before the rate applies (default 1.5 x qps, at least 30)
`;

/** The value of a flag, else of its environment variable, else undefined ("" counts as unset). */
function pick(flag: string | undefined, env: string | undefined): string | undefined {
  return flag !== undefined && flag !== "" ? flag : env !== undefined && env !== "" ? env : undefined;
}

function number(value: string | undefined, fallback: number, what: string, check: (n: number) => boolean, rule: string): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || !check(n)) throw new OptionsError(`${what} must be ${rule}, got "${value}"`);
  return n;
}

const integer = (min: number, max: number) => (n: number) => Number.isInteger(n) && n >= min && n <= max;
const positive = (n: number) => n > 0;

export function parseOptions(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): OperatorOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: "string" },
        kubeconfig: { type: "string" },
        namespace: { type: "string" },
        "lease-name": { type: "string" },
        identity: { type: "string" },
        "no-leader-election": { type: "boolean" },
        "lease-duration": { type: "string" },
        "renew-deadline": { type: "string" },
        "retry-period": { type: "string" },
        "http-port": { type: "string" },
        "http-host": { type: "string" },
        workers: { type: "string" },
        "write-qps": { type: "string" },
        "write-burst": { type: "string" },
      },
    }));
  } catch (err) {
    throw new OptionsError((err as Error).message);
  }

  const configPath = pick(values.config, env.WABA_OPERATOR_CONFIG);
  if (!configPath) throw new OptionsError("--config (or WABA_OPERATOR_CONFIG) is required: the operator configuration file");

  const seconds = (flag: "lease-duration" | "renew-deadline" | "retry-period", fallback: number) =>
    Math.round(number(values[flag], fallback, `--${flag}`, positive, "a number of seconds > 0") * 1000);
  let leaderElection: OperatorOptions["leaderElection"] = false;
  if (!values["no-leader-election"]) {
    const namespace = pick(values.namespace, env.POD_NAMESPACE);
    if (!namespace) throw new OptionsError("--namespace (or POD_NAMESPACE) is required for leader election: the namespace of the Lease (or pass --no-leader-election)");
    leaderElection = {
      namespace,
      leaseName: pick(values["lease-name"], env.WABA_OPERATOR_LEASE) ?? "waba-operator",
      leaseDurationMs: seconds("lease-duration", 15),
      renewDeadlineMs: seconds("renew-deadline", 10),
      retryPeriodMs: seconds("retry-period", 2),
    };
    const { leaseDurationMs: d, renewDeadlineMs: r, retryPeriodMs: p } = leaderElection;
    if (!(d > r && r > p)) throw new OptionsError(`--lease-duration (${d / 1000}) must exceed --renew-deadline (${r / 1000}), which must exceed --retry-period (${p / 1000})`);
  }

  const writeQps = number(pick(values["write-qps"], env.WABA_OPERATOR_WRITE_QPS), 20, "--write-qps (WABA_OPERATOR_WRITE_QPS)", positive, "a number > 0");
  return {
    configPath,
    kubeconfig: values.kubeconfig,
    leaderElection,
    identity: pick(values.identity, env.POD_NAME) ?? hostname(),
    httpPort: number(pick(values["http-port"], env.WABA_OPERATOR_HTTP_PORT), 8080, "--http-port (WABA_OPERATOR_HTTP_PORT)", integer(0, 65535), "a port from 0 to 65535"),
    httpHost: values["http-host"] ?? "0.0.0.0",
    workers: number(pick(values.workers, env.WABA_OPERATOR_WORKERS), 4, "--workers (WABA_OPERATOR_WORKERS)", integer(1, 64), "an integer from 1 to 64"),
    writeQps,
    writeBurst: number(values["write-burst"], Math.max(30, Math.ceil(writeQps * 1.5)), "--write-burst", integer(1, 10_000), "an integer >= 1"),
  };
}
