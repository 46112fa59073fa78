// Who is calling. Tokens are checked with an HMAC and the in-memory revocation list; the user's
// record (role, token epoch) comes from a cache refreshed at most every `userTtlMs` (1 s by
// default), so a password change or deletion on any replica locks the user's tokens out within
// that bound, and at once on the replica that made the change. Key pairs: ApiKeyVerifier.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type pg from "pg";
import { ApiError } from "../errors.js";
import { TtlCache } from "../ttl-cache.js";
import type { ApiKeyVerifier } from "./api-keys.js";
import { keyPairOfBearer, parseAuthorization } from "./credentials.js";
import type { Principal } from "./permissions.js";
import type { RevocationList } from "./revocations.js";
import type { TokenSigner } from "./tokens.js";
import { findUser, type UserRecord } from "../users/store.js";

export interface AuthenticatorDeps {
  readonly pool: pg.Pool;
  readonly signer: TokenSigner;
  readonly revocations: RevocationList;
  readonly apiKeys: ApiKeyVerifier;
  /** WABA_API_KEY: `Authorization: Apikey …` on monitoring endpoints. */
  readonly monitoringKey: string;
  readonly now: () => number;
  readonly userTtlMs?: number;
}

export class Authenticator {
  readonly users: TtlCache<string, UserRecord | undefined>;
  private readonly digestKey = randomBytes(32);
  private readonly monitoringDigest: Buffer;

  constructor(private readonly deps: AuthenticatorDeps) {
    this.users = new TtlCache(async (username) => {
      const user = await findUser(deps.pool, username);
      return user && { username: user.username, role: user.role, tokenEpoch: user.tokenEpoch, mustChangePassword: user.mustChangePassword };
    }, deps.userTtlMs ?? 1000);
    this.monitoringDigest = this.digest(deps.monitoringKey);
  }

  /**
   * The caller of a request with this Authorization header. `monitoring` admits the Apikey
   * scheme (health, metrics, stats). Throws ApiError("unauthenticated") otherwise.
   */
  async authenticate(header: string | undefined, monitoring = false): Promise<Principal> {
    const credentials = parseAuthorization(header);
    if (!credentials) throw new ApiError("unauthenticated", header ? "the Authorization header is not understood" : "credentials are required: Authorization: Bearer <token>");
    switch (credentials.scheme) {
      case "apikey":
        if (monitoring && timingSafeEqual(this.digest(credentials.key), this.monitoringDigest)) return { kind: "monitor" };
        throw new ApiError("unauthenticated", monitoring ? "invalid API key" : "the Apikey scheme is accepted only on health, metrics and stats");
      case "basic":
        return this.keyPair(credentials.id, credentials.secret);
      case "bearer": {
        const pair = keyPairOfBearer(credentials.value);
        return pair ? this.keyPair(pair.id, pair.secret) : this.token(credentials.value);
      }
    }
  }

  private async token(token: string): Promise<Principal> {
    const check = this.deps.signer.verify(token, this.deps.now());
    if (!check.ok) throw new ApiError("unauthenticated", check.reason === "expired" ? "the token has expired; log in again" : "invalid token");
    const { claims } = check;
    if (this.deps.revocations.has(claims.jti)) throw new ApiError("unauthenticated", "the token was revoked (logged out)");
    const user = await this.users.get(claims.sub);
    if (!user || user.tokenEpoch !== claims.ep) throw new ApiError("unauthenticated", "the token is no longer valid; log in again");
    if (user.mustChangePassword) throw new ApiError("passwordChangeRequired", "the password must be changed: log in with new_password");
    return { kind: "user", username: user.username, role: user.role, tokenId: claims.jti, tokenExp: claims.exp };
  }

  private async keyPair(keyId: string, secret: string): Promise<Principal> {
    const role = await this.deps.apiKeys.verify(keyId, secret);
    if (!role) throw new ApiError("unauthenticated", "invalid API key pair");
    return { kind: "apiKey", keyId, role };
  }

  private digest(value: string): Buffer {
    return createHmac("sha256", this.digestKey).update(value).digest();
  }
}
