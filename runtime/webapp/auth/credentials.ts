// The Authorization header's schemes, parsed without judging them:
//   Bearer <token>            a login token, or (machine clients, Cloud SDKs) "<key_id>:<secret>"
//   Basic base64(id:secret)   a user's password at login; an API key pair everywhere else
//   Apikey <key>              the monitoring key (health, metrics, stats)

export type Credentials =
  | { readonly scheme: "bearer"; readonly value: string }
  | { readonly scheme: "basic"; readonly id: string; readonly secret: string }
  | { readonly scheme: "apikey"; readonly key: string };

const maxHeaderLength = 4096;

export function parseAuthorization(header: string | undefined): Credentials | undefined {
  if (!header || header.length > maxHeaderLength) return undefined;
  const space = header.indexOf(" ");
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (!value) return undefined;
  if (scheme === "bearer") return { scheme, value };
  if (scheme === "apikey") return { scheme, key: value };
  if (scheme === "basic") {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) return undefined;
    return { scheme, id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  }
  return undefined;
}

/** "key_id:secret" given as a bearer value (Cloud SDKs only send Bearer). */
export function keyPairOfBearer(value: string): { id: string; secret: string } | undefined {
  const colon = value.indexOf(":");
  return colon > 0 ? { id: value.slice(0, colon), secret: value.slice(colon + 1) } : undefined;
}
