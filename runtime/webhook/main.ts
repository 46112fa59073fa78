// The `webhook` role: the dispatcher plus /healthz, /readyz (schema present and database
// reachable) and /metrics on WABA_PORT. It waits, unready, for the schema the build needs.
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { ConfigError, type RoleConfig } from "../config/env.js";
import { Sealer } from "../crypto/at-rest.js";
import { schemaVersion, waitForSchema } from "../db/migrate.js";
import { latestVersion } from "../db/migrations/index.js";
import { createPool } from "../db/pool.js";
import type { Logger } from "../observability/logger.js";
import { metricsRegistry } from "../observability/metrics.js";
import { startOpsServer } from "../observability/ops-server.js";
import { Dispatcher } from "./dispatcher.js";
import { operatorEndpoints } from "./endpoints.js";
import { defaultMaxConcurrentRequests } from "./settings.js";
import { dispatcherApplicationName } from "./payload.js";

export interface WebhookService {
  /** The ops server's port (WABA_PORT, or the one picked for 0). */
  readonly port: number;
  readonly dispatcher: Dispatcher;
  stop(): Promise<void>;
}

export interface WebhookTuning {
  /** A registry of its own (tests running several dispatchers in one process). */
  readonly registry?: Registry;
  readonly pollMs?: number;
  readonly settingsPollMs?: number;
  readonly sweepMs?: number;
}

export async function startWebhook(config: RoleConfig<"webhook">, logger: Logger, env: NodeJS.ProcessEnv, tuning: WebhookTuning = {}): Promise<WebhookService> {
  try {
    operatorEndpoints(config.WABA_WEBHOOKS, env, defaultMaxConcurrentRequests);
  } catch (err) {
    throw new ConfigError(`invalid environment for role webhook:\n  ${(err as Error).message}`);
  }
  const sealer = await Sealer.fromBase64Key(config.WABA_ENCRYPTION_KEY);
  const db = createPool(config, logger, { max: 20, applicationName: dispatcherApplicationName });
  const registry = tuning.registry ?? metricsRegistry();
  const dispatcher = new Dispatcher({
    db, sealer, logger, registry,
    identity: { accountId: config.WABA_ACCOUNT_ID, phoneNumberId: config.WABA_PHONE_NUMBER_ID, displayPhoneNumber: config.WABA_PHONE_NUMBER.slice(1) },
    subscriptions: config.WABA_WEBHOOKS,
    env,
    batchSize: config.WABA_WEBHOOK_BATCH_SIZE,
    timeoutMs: config.WABA_WEBHOOK_TIMEOUT_MS,
    maxAttempts: config.WABA_WEBHOOK_MAX_ATTEMPTS,
    maxAgeMs: config.WABA_WEBHOOK_MAX_AGE_SECONDS * 1000,
    ...tuning,
  });
  let schemaReady = false;
  const ready = async () => schemaReady && (await schemaVersion(db)) >= latestVersion;
  const server = await startOpsServer(config.WABA_PORT, registry, ready);
  const stopping = new AbortController();
  const started = waitForSchema(db, stopping.signal).then(() => {
    schemaReady = true;
    dispatcher.start();
    logger.info({ endpoints: config.WABA_WEBHOOKS.length }, "webhook dispatcher running");
  }, () => false);
  return {
    port: (server.address() as AddressInfo).port,
    dispatcher,
    async stop() {
      stopping.abort();
      if ((await started) !== false) await dispatcher.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
      await db.end();
    },
  };
}
