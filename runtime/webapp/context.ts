// Everything the routes need, built once by buildWebapp (app.ts) and passed to each route module.
import type pg from "pg";
import type { RoleConfig } from "../config/env.js";
import type { Sealer } from "../crypto/at-rest.js";
import type { DeviceKey } from "../gateway/key-directory.js";
import type { MediaStore } from "../media/store.js";
import type { Logger } from "../observability/logger.js";
import type { Registry } from "prom-client";
import type { Authenticator } from "./auth/authenticator.js";
import type { RevocationList } from "./auth/revocations.js";
import type { TokenSigner } from "./auth/tokens.js";
import type { ClusterView } from "./cluster-view.js";
import type { MessageAcceptor } from "./messages/accept.js";
import type { WebappMetrics } from "./metrics.js";
import type { KeyedRateLimiter } from "./rate-limit.js";

export interface KeyLookup {
  lookup(waId: string): Promise<DeviceKey | undefined>;
}

export interface WebappContext {
  readonly config: RoleConfig<"webapp">;
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly sealer: Sealer;
  readonly media: MediaStore;
  readonly signer: TokenSigner;
  readonly auth: Authenticator;
  readonly revocations: RevocationList;
  readonly cluster: ClusterView;
  readonly acceptor: MessageAcceptor;
  readonly keys: KeyLookup;
  /** The tier's limit on sends (one bucket for the instance, per replica). */
  readonly sendLimiter: KeyedRateLimiter;
  /** 20/s, burst 60 per client on every other endpoint. */
  readonly otherLimiter: KeyedRateLimiter;
  readonly registry: Registry;
  readonly metrics: WebappMetrics;
  readonly now: () => number;
  /** Background work (contact checks with no_wait) awaited at stop. */
  readonly background: Set<Promise<unknown>>;
}
