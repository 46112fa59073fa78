// The `simulator` role: the WhatsApp network that tests, benchmarks and dev clusters point
// CoreApps at (WABA_GATEWAY_URL=ws://host:WABA_PORT). See network.ts for what it does and
// control.ts / client.ts for how tests steer and inspect it.
import type { RoleConfig } from "../config/env.js";
import { sodiumReady } from "../gateway/box.js";
import type { Service } from "../main.js";
import type { Logger } from "../observability/logger.js";
import { metricsRegistry } from "../observability/metrics.js";
import { DeviceDirectory } from "./devices.js";
import { SimMediaStore } from "./media-store.js";
import { defaultBehaviour, Network } from "./network.js";
import { startSimulatorServer, type SimulatorServer } from "./server.js";

export type SimulatorService = Service & SimulatorServer;

export async function startSimulator(config: RoleConfig<"simulator">, logger: Logger, _env: NodeJS.ProcessEnv = process.env, host = "0.0.0.0"): Promise<SimulatorService> {
  await sodiumReady();
  const devices = new DeviceDirectory(config.WABA_SIMULATOR_SEED, config.WABA_SIMULATOR_ABSENT_PREFIXES);
  const media = new SimMediaStore();
  const network = new Network(devices, media, {
    ...defaultBehaviour,
    deliveredDelayMs: config.WABA_SIMULATOR_DELIVERED_DELAY_MS,
    readDelayMs: config.WABA_SIMULATOR_READ_DELAY_MS,
    readProbability: config.WABA_SIMULATOR_READ_PROBABILITY,
    record: config.WABA_SIMULATOR_RECORD,
  });
  const server = await startSimulatorServer({ port: config.WABA_PORT, host, network, devices, media, registry: metricsRegistry(), logger });
  logger.info({ port: server.port }, "simulator listening");
  return {
    ...server,
    async stop() {
      await server.close();
      network.close();
      media.clear();
    },
  };
}
