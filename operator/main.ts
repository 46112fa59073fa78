// The operator's entry point: `node dist/operator/main.js --config FILE` (dev: `node --import tsx
// operator/main.ts --config FILE`). Flags and environment: operator/options.ts (--help).
//
// One process: informers on every replica (so /readyz means "caches synced" and a follower is
// warm), the WabaInstance controller only on the leader of the Lease, the admission webhook (when
// the configuration has webhookServer) on every replica, /healthz /readyz /metrics on the HTTP
// port. SIGTERM/SIGINT: in-flight reconciles finish, the Lease is released so a follower takes
// over at once, then the process exits 0. A bad flag or configuration exits 2 with a message
// naming the field; losing the Lease exits 1 (Kubernetes restarts the pod as a follower).
import { KubeConfig } from "@kubernetes/client-node";
import { startAdmissionServer, type AdmissionServer } from "./admission/server.js";
import { OperatorConfigError, loadConfig, type OperatorConfig } from "./config/config.js";
import { Manager, createLogger } from "./controller/index.js";
import { OptionsError, parseOptions, usage, type OperatorOptions } from "./options.js";
import { wabaInstanceController } from "./reconciler/controller.js";

function fail(message: string): never {
  process.stderr.write(`waba-operator: ${message}\n`);
  process.exit(2);
}

function startup(): { options: OperatorOptions; config: OperatorConfig } {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(usage);
    process.exit(0);
  }
  try {
    const options = parseOptions(argv, process.env);
    return { options, config: loadConfig(options.configPath) };
  } catch (err) {
    if (err instanceof OptionsError) fail(`${err.message}\n\n${usage}`);
    if (err instanceof OperatorConfigError) fail(err.message);
    throw err;
  }
}

const { options, config } = startup();
const kubeConfig = new KubeConfig();
if (options.kubeconfig) kubeConfig.loadFromFile(options.kubeconfig);
else kubeConfig.loadFromDefault();

const logger = createLogger({ name: "waba-operator" });
const manager = new Manager({
  name: "waba-operator",
  kubeConfig,
  identity: options.identity,
  leaderElection: options.leaderElection,
  http: { port: options.httpPort, host: options.httpHost },
  writeQps: options.writeQps,
  writeBurst: options.writeBurst,
  logger,
  handleSignals: false,
});
const instances = wabaInstanceController(manager, config, { workers: options.workers });
let admission: AdmissionServer | undefined;

let stopping = false;
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  await manager.stop();
  await instances.stop();
  await admission?.close();
  process.exit(0);
}
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    shutdown(signal).catch((err: unknown) => {
      logger.error({ err }, "shutdown failed");
      process.exit(1);
    });
  });
}

instances.start();
await manager.start();
if (config.webhookServer) {
  // Validation reads the instance cache: serve once it holds every instance.
  await instances.caches.instances.waitForSync();
  const { port, bindAddress, certFile, keyFile } = config.webhookServer;
  try {
    admission = await startAdmissionServer({
      port, host: bindAddress, certFile, keyFile, config, instances: instances.instances, logger, metrics: manager.metrics,
    });
  } catch (err) {
    fail(`cannot serve the admission webhook (webhookServer in ${options.configPath}): ${(err as Error).message}`);
  }
}
logger.info({
  identity: options.identity,
  http: manager.httpPort,
  admission: admission?.port ?? false,
  watchNamespace: config.watchNamespace ?? "(all)",
  leaderElection: options.leaderElection ? `${options.leaderElection.namespace}/${options.leaderElection.leaseName}` : false,
}, "waba-operator started");
