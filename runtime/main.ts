// The runtime's one entry point: `node dist/runtime/main.js <role>`. Validates the environment
// of the role (a bad or missing value stops the process with a message naming it), then runs it
// until SIGTERM/SIGINT.
import { ConfigError, loadEnv, roles, type Role } from "./config/env.js";
import { createLogger, type Logger } from "./observability/logger.js";

/** A long-running role. */
export interface Service {
  stop(): Promise<void>;
}

type Starter = (env: NodeJS.ProcessEnv, logger: Logger) => Promise<Service | undefined>;

// Each role is imported only when chosen, so one role's start-up never pays for another's code.
const starters: Partial<Record<Role, Starter>> = {
  migrate: async (env, logger) => {
    const { runMigrate } = await import("./migrate/main.js");
    await runMigrate(loadEnv("migrate", env), logger);
    return undefined;
  },
  webapp: async (env, logger) => {
    const { startWebapp } = await import("./webapp/server.js");
    return startWebapp(loadEnv("webapp", env), logger, env);
  },
  coreapp: async (env, logger) => {
    const { startCoreapp } = await import("./coreapp/main.js");
    return startCoreapp(loadEnv("coreapp", env), logger, env);
  },
  simulator: async (env, logger) => {
    const { startSimulator } = await import("./simulator/main.js");
    return startSimulator(loadEnv("simulator", env), logger, env);
  },
  webhook: async (env, logger) => {
    const { startWebhook } = await import("./webhook/main.js");
    return startWebhook(loadEnv("webhook", env), logger, env);
  },
};

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const role = argv[0] as Role | undefined;
  if (!role || !(roles as readonly string[]).includes(role)) {
    process.stderr.write(`usage: main.js <${roles.join("|")}>\n`);
    return 2;
  }
  let logger: Logger;
  try {
    const { WABA_LOG_LEVEL } = loadEnv("simulator", { WABA_LOG_LEVEL: env.WABA_LOG_LEVEL });
    logger = createLogger({ role, level: WABA_LOG_LEVEL, ...(env.WABA_INSTANCE ? { instance: env.WABA_INSTANCE } : {}) });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  const start = starters[role];
  if (!start) {
    logger.fatal(`role ${role} is not built into this runtime`);
    return 2;
  }
  try {
    const service = await start(env, logger);
    if (!service) return 0;
    logger.info("started");
    await new Promise<void>((resolve) => {
      process.once("SIGTERM", resolve);
      process.once("SIGINT", resolve);
    });
    logger.info("stopping");
    await service.stop();
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) logger.fatal(err.message);
    else logger.fatal({ err }, "failed");
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2), process.env);
