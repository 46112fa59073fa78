// Who may do what. Users and API key pairs have a role; the monitoring key (`Apikey`) may only
// read health, metrics and stats. One table, checked by the routes' `authorize(permission)`.

export const userRoles = ["ROLE_ADMIN", "ROLE_USER"] as const;
export type UserRole = (typeof userRoles)[number];

export type Principal =
  | { readonly kind: "user"; readonly username: string; readonly role: UserRole; readonly tokenId: string; readonly tokenExp: number }
  | { readonly kind: "apiKey"; readonly keyId: string; readonly role: UserRole }
  | { readonly kind: "monitor" };

const both: readonly UserRole[] = ["ROLE_ADMIN", "ROLE_USER"];
const admin: readonly UserRole[] = ["ROLE_ADMIN"];

export const permissions = {
  "messages.send": both,
  "messages.markRead": both,
  "contacts.check": both,
  "media.write": both,
  "media.read": both,
  /** Own user record (GET/PUT /v1/users/{self}); any user for admins. */
  "users.self": both,
  "users.manage": admin,
  "settings.read": admin,
  "settings.write": admin,
  "account.shards": admin,
  /** health, metrics, stats: also the monitoring key. */
  "monitoring.read": both,
} as const satisfies Record<string, readonly UserRole[]>;

export type Permission = keyof typeof permissions;

export function allowed(principal: Principal, permission: Permission): boolean {
  if (principal.kind === "monitor") return permission === "monitoring.read";
  const roles: readonly UserRole[] = permissions[permission];
  return roles.includes(principal.role);
}

/** A stable name of the principal (rate-limit key, logs). */
export function principalId(principal: Principal): string {
  switch (principal.kind) {
    case "user": return `user:${principal.username}`;
    case "apiKey": return `key:${principal.keyId}`;
    case "monitor": return "monitor";
  }
}
