import { env } from "../../runtime/config/env.js";
import { instance } from "../api/testing/examples.js";
import { credentialKeys, credentialsSecret, resolveCredentials } from "./credentials.js";
import { generateCredentials } from "./generate-credentials.js";
import { contextFor, fixedCredentials, testContext } from "./testing/context.js";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

describe("generated credentials", () => {
  it("satisfy what the runtime accepts for each", () => {
    const c = generateCredentials();
    expect(env.WABA_ADMIN_PASSWORD.schema.safeParse(c["admin-password"]).success).toBe(true);
    expect(c["admin-password"]).toMatch(/[A-Z]/);
    expect(c["admin-password"]).toMatch(/[a-z]/);
    expect(c["admin-password"]).toMatch(/\d/);
    expect(c["admin-password"]).toMatch(/[^A-Za-z0-9]/);
    expect(env.WABA_API_KEY.schema.safeParse(c["api-key"]).success).toBe(true);
    expect(env.WABA_API_KEY_ID.schema.safeParse(c["api-key-id"]).success).toBe(true);
    expect(env.WABA_API_KEY_SECRET.schema.safeParse(c["api-key-secret"]).success).toBe(true);
    expect(env.WABA_DATABASE_PASSWORD.schema.safeParse(c["database-password"]).success).toBe(true);
    expect(env.WABA_TOKEN_SIGNING_KEY.schema.safeParse(c["token-signing-key"]).success).toBe(true);
    expect(env.WABA_ENCRYPTION_KEY.schema.safeParse(c["encryption-key"]).success).toBe(true);
  });

  it("differ on every call", () => {
    const [a, b] = [generateCredentials(), generateCredentials()];
    for (const key of credentialKeys) expect(a[key]).not.toBe(b[key]);
  });
});

describe("the credentials Secret", () => {
  it("holds every key, base64-encoded, named <instance>-credentials", () => {
    const ctx = testContext();
    const secret = credentialsSecret(ctx);
    expect(secret.metadata?.name).toBe("acme-credentials");
    expect(secret.type).toBe("Opaque");
    expect(Object.keys(secret.data ?? {}).sort()).toEqual([...credentialKeys].sort());
    expect(Buffer.from(secret.data?.["api-key"] ?? "", "base64").toString()).toBe(ctx.credentials["api-key"]);
  });

  it("keeps the values an existing Secret holds and fills only the keys it lacks", () => {
    const existing = { "admin-password": b64("Kept-Passw0rd!"), "encryption-key": b64("kept-key"), "api-key": "" };
    const generated = fixedCredentials(7);
    const resolved = resolveCredentials(existing, generated);
    expect(resolved["admin-password"]).toBe("Kept-Passw0rd!");
    expect(resolved["encryption-key"]).toBe("kept-key");
    expect(resolved["api-key"]).toBe(generated["api-key"]);
    expect(resolved["database-password"]).toBe(generated["database-password"]);

    const ctx = testContext({}, { credentials: { existing, generated } });
    expect(credentialsSecret(ctx).data?.["admin-password"]).toBe(existing["admin-password"]);
  });

  it("gives the same Secret on every reconcile once it exists, whatever was generated", () => {
    const first = credentialsSecret(testContext({}, { credentials: { generated: fixedCredentials(1) } }));
    const again = credentialsSecret(testContext({}, { credentials: { existing: first.data, generated: fixedCredentials(99) } }));
    expect(again).toEqual(first);
  });

  it("outlives the instance under the Retain policy and goes with it under Delete", () => {
    expect(credentialsSecret(testContext()).metadata?.ownerReferences).toBeUndefined();
    const owned = credentialsSecret(contextFor(instance({ persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete" } })));
    expect(owned.metadata?.ownerReferences).toEqual([
      { apiVersion: "waba.dev/v1alpha1", kind: "WabaInstance", name: "acme", uid: "0b7c7a4e-5f6d-4b7e-9a53-2c1f0e9d8a71", controller: true, blockOwnerDeletion: true },
    ]);
  });
});
