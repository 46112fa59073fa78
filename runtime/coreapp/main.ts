// The `coreapp` role: one connection to the WhatsApp network, at most one shard lease, and the
// work of that shard (shard-worker.ts). Starts serving /healthz, /readyz and /metrics at once;
// ready once the schema is present and the network connection is up (owners and spares alike).
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { RoleConfig } from "../config/env.js";
import { Sealer } from "../crypto/at-rest.js";
import { waitForSchema } from "../db/migrate.js";
import { createPool } from "../db/pool.js";
import { BoxKeys, sodiumReady } from "../gateway/box.js";
import { GatewayConnection, type GatewayStatus } from "../gateway/connection.js";
import { KeyDirectory } from "../gateway/key-directory.js";
import { MediaClient } from "../gateway/media-client.js";
import type { Service } from "../main.js";
import { MediaStore } from "../media/store.js";
import type { Logger } from "../observability/logger.js";
import { startOpsServer } from "../observability/ops-server.js";
import { shardMapChannel } from "../sharding/shard-map.js";
import { reportNode, removeNode } from "./heartbeat.js";
import { loadOrCreateIdentity } from "./identity.js";
import type { Lease } from "./lease.js";
import { LeaseKeeper } from "./lease-keeper.js";
import { MediaTransfer } from "./media-transfer.js";
import { coreappMetrics, servedRegistry } from "./metrics.js";
import { Notifications } from "./notifications.js";
import { defaultSenderOptions, type SenderOptions } from "./sender.js";
import { ShardWorker } from "./shard-worker.js";

export interface CoreappOptions {
  /** Name in coreapp_nodes and at the network. Default hostname:pid (a pod's name in Kubernetes). */
  readonly nodeId?: string;
  readonly sender?: Partial<SenderOptions>;
  readonly heartbeatMs?: number;
  readonly host?: string;
}

export interface CoreappService extends Service {
  readonly port: number;
  readonly nodeId: string;
  /** The lease holder name: nodeId plus a per-start suffix. */
  readonly holder: string;
  lease(): Lease | undefined;
  gatewayStatus(): GatewayStatus;
}

const messagesChannel = "waba_messages";
/** A spare hears only of shard map changes; the owner of a shard also of new messages and read requests. */
const spareChannels = [shardMapChannel];
const ownerChannels = [messagesChannel, shardMapChannel];

export async function startCoreapp(config: RoleConfig<"coreapp">, logger: Logger, _env: NodeJS.ProcessEnv = process.env, options: CoreappOptions = {}): Promise<CoreappService> {
  await sodiumReady();
  const nodeId = options.nodeId ?? `${hostname()}:${process.pid}`;
  const holder = `${nodeId}/${randomBytes(4).toString("hex")}`;
  const metrics = coreappMetrics();
  const pool = createPool(config, logger, { max: 8, applicationName: "waba-coreapp", indexScansOnly: true });
  const sealer = await Sealer.fromBase64Key(config.WABA_ENCRYPTION_KEY);
  const directory = new KeyDirectory(config.WABA_GATEWAY_URL);
  const mediaClient = new MediaClient(config.WABA_GATEWAY_URL);
  const media = new MediaTransfer(pool, new MediaStore(config.WABA_MEDIA_DIR, sealer), mediaClient);
  const senderOptions = { ...defaultSenderOptions, ...options.sender };
  const abort = new AbortController();

  let schemaReady = false;
  let gateway: GatewayConnection | undefined;
  let keeper: LeaseKeeper | undefined;
  let worker: ShardWorker | undefined;
  let notifications: Notifications | undefined;
  let heartbeatTimer: NodeJS.Timeout | undefined;

  const ops: Server = await startOpsServer(config.WABA_PORT, servedRegistry(metrics), () => schemaReady && gateway?.status === "connected", options.host);

  const heartbeat = async (first = false) => {
    const lease = keeper?.current;
    const depth = worker ? await worker.queueDepth() : 0;
    metrics.queueDepth.set(depth);
    await reportNode(pool, {
      nodeId, generation: lease?.generation ?? null, shard: lease?.shard ?? null,
      gatewayStatus: gateway?.status ?? "uninitialized", queueDepth: depth,
    }, first);
  };
  // Reports run one after another (a later one never overtaken by an earlier one) and stop when the
  // node leaves: a report still in flight must not write the row back after removeNode deleted it.
  let reports = Promise.resolve();
  let leaving = false;
  const beat = (first = false) => {
    reports = reports.then(async () => {
      if (!leaving) await heartbeat(first);
    }).catch((err: unknown) => { logger.warn({ err }, "heartbeat failed"); });
  };

  async function run(): Promise<void> {
    await waitForSchema(pool, abort.signal);
    const identity = await loadOrCreateIdentity(pool, sealer);
    abort.signal.throwIfAborted();
    schemaReady = true;
    const box = new BoxKeys(identity.secretKey);
    let opens = 0;
    const connection = new GatewayConnection({
      url: config.WABA_GATEWAY_URL, business: config.WABA_PHONE_NUMBER.slice(1), publicKey: identity.publicKey, node: nodeId, logger,
      handlers: {
        onOpen: () => {
          if (++opens > 1) metrics.reconnects.inc();
          worker?.onOpen();
        },
        onAck: (ids) => { worker?.onAck(ids); },
        onRefused: (messages) => { worker?.onRefused(messages); },
        onEvents: (events) => { worker?.onEvents(events); },
        onReadAck: (ids) => { worker?.onReadAck(ids); },
        onStatus: (status) => {
          metrics.gatewayConnected.set(status === "connected" ? 1 : 0);
          beat();
        },
      },
    });
    gateway = connection;
    const workerDeps = { pool, sealer, directory, box, media, metrics, logger, senderOptions, send: connection.send.bind(connection) };
    const leaseKeeper = new LeaseKeeper({
      pool, holder, leaseSeconds: config.WABA_LEASE_SECONDS, metrics, logger,
      hooks: {
        acquired: (lease) => {
          worker = new ShardWorker(workerDeps, lease, () => leaseKeeper.valid(), () => { leaseKeeper.lost(); });
          notifications?.listenTo(ownerChannels);
          worker.start();
          connection.claim(lease.shard, lease.shards);
          beat();
        },
        lost: () => {
          worker?.stop();
          worker = undefined;
          notifications?.listenTo(spareChannels);
          connection.claim(null, null);
          beat();
        },
        drain: async () => {
          await worker?.drain((config.WABA_LEASE_SECONDS * 1000) / 3);
          worker = undefined;
          notifications?.listenTo(spareChannels);
          connection.claim(null, null);
        },
      },
    });
    keeper = leaseKeeper;
    notifications = new Notifications(createPool(config, logger, { max: 1, applicationName: "waba-coreapp-listen" }), spareChannels, (channel, payload) => {
      if (channel === shardMapChannel) leaseKeeper.tickNow();
      else if (payload.startsWith("r")) { if (worker?.owns(Number(payload.slice(1)))) worker.readRequested(); }
      else if (worker?.owns(Number(payload))) worker.wake();
    }, logger);
    connection.start();
    leaseKeeper.start();
    notifications.start();
    beat(true);
    heartbeatTimer = setInterval(() => { beat(); }, options.heartbeatMs ?? 2000);
  }

  let stopping: Promise<void> | undefined;
  const started = run().catch((err: unknown) => {
    if (abort.signal.aborted) return;
    logger.fatal({ err }, "coreapp failed to start");
    process.exitCode = 1;
  });

  return {
    port: (ops.address() as AddressInfo).port,
    nodeId,
    holder,
    lease: () => keeper?.current,
    gatewayStatus: () => gateway?.status ?? "disconnected",
    stop() {
      stopping ??= shutdown();
      return stopping;
    },
  };

  async function shutdown(): Promise<void> {
    abort.abort();
    await started;
    clearInterval(heartbeatTimer);
    await keeper?.stop();
    await gateway?.stop();
    await notifications?.stop();
    leaving = true;
    await reports;
    await removeNode(pool, nodeId).catch(() => undefined);
    await Promise.all([directory.close(), mediaClient.close(), pool.end()]);
    await new Promise<void>((resolve) => { ops.close(() => { resolve(); }); ops.closeAllConnections(); });
  }
}
