import { allowed, type Principal } from "./permissions.js";
import { passwordProblem, usernamePattern } from "./policy.js";

describe("passwords", () => {
  it("need 8 to 64 characters with upper, lower, digit and special character", () => {
    expect(passwordProblem("Abcdef1!")).toBeUndefined();
    expect(passwordProblem("Ab1!")).toBe("must be 8 to 64 characters");
    expect(passwordProblem(`Ab1!${"x".repeat(61)}`)).toBe("must be 8 to 64 characters");
    expect(passwordProblem("abcdefgh1!")).toBe("must contain an upper-case letter");
    expect(passwordProblem("abcdefgh")).toBe("must contain an upper-case letter, a digit, a special character");
  });

  it("are never echoed in the reason", () => {
    expect(passwordProblem("Secret-word")).not.toContain("Secret");
  });
});

describe("usernames", () => {
  it("are 4 to 32 letters, digits or . _ - @", () => {
    expect(usernamePattern.test("ops.bot@acme")).toBe(true);
    expect(usernamePattern.test("abc")).toBe(false);
    expect(usernamePattern.test("a/b/c/d")).toBe(false);
  });
});

describe("the permission table", () => {
  const admin: Principal = { kind: "user", username: "admin", role: "ROLE_ADMIN", tokenId: "t", tokenExp: 1 };
  const user: Principal = { kind: "user", username: "bob", role: "ROLE_USER", tokenId: "t", tokenExp: 1 };
  const machine: Principal = { kind: "apiKey", keyId: "k", role: "ROLE_USER" };
  const monitor: Principal = { kind: "monitor" };

  it("lets admins do everything", () => {
    expect(allowed(admin, "users.manage") && allowed(admin, "settings.write") && allowed(admin, "account.shards")).toBe(true);
  });

  it("keeps users and user-role key pairs to messaging, media, contacts and monitoring", () => {
    for (const p of [user, machine]) {
      expect(allowed(p, "messages.send") && allowed(p, "media.write") && allowed(p, "contacts.check") && allowed(p, "monitoring.read")).toBe(true);
      expect(allowed(p, "users.manage") || allowed(p, "settings.read") || allowed(p, "account.shards")).toBe(false);
    }
  });

  it("lets the monitoring key read health, metrics and stats only", () => {
    expect(allowed(monitor, "monitoring.read")).toBe(true);
    expect(allowed(monitor, "messages.send") || allowed(monitor, "users.self")).toBe(false);
  });
});
