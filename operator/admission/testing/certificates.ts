// Certificates for tests of the webhook server, made with the openssl command: a CA and serving
// certificates for 127.0.0.1 that it signs (EC P-256, valid one day). issue() replaces the files
// the way a rotation does, each by an atomic rename: the certificate first, then the key.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";

const opensslConfig = `
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
`;

export interface TestCertificateAuthority {
  /** The CA certificate (PEM): the webhook configuration's caBundle, a client's `ca`. */
  readonly caPem: string;
  /** Writes a serving certificate for 127.0.0.1 and its key to the two files; returns the certificate (PEM). */
  issue(certFile: string, keyFile: string, commonName?: string): string;
}

const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-sha256"];

/** A CA whose files live in a new directory under `parent` (on the file system of the files issue() writes). */
export function createCertificateAuthority(parent: string, commonName = "waba-test-webhook-ca"): TestCertificateAuthority {
  const dir = mkdtempSync(join(parent, "ca-"));
  const config = join(dir, "openssl.cnf");
  writeFileSync(config, opensslConfig);
  const caCert = join(dir, "ca.crt");
  const caKey = join(dir, "ca.key");
  const openssl = (args: string[]) => execFileSync("openssl", ["req", "-config", config, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  openssl(["-extensions", "ca", "-x509", ...newKey, "-keyout", caKey, "-out", caCert, "-subj", `/CN=${commonName}`]);
  return {
    caPem: readFileSync(caCert, "utf8"),
    issue(certFile, keyFile, cn = "127.0.0.1") {
      const [cert, key] = [join(dir, "next.crt"), join(dir, "next.key")];
      openssl(["-extensions", "server", "-x509", "-CA", caCert, "-CAkey", caKey, ...newKey, "-keyout", key, "-out", cert, "-subj", `/CN=${cn}`]);
      const pem = readFileSync(cert, "utf8");
      renameSync(cert, certFile);
      renameSync(key, keyFile);
      return pem;
    },
  };
}

/** A temporary directory for certificate files; remove() deletes it. */
export function certificateDir(prefix: string): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => { rmSync(dir, { recursive: true, force: true }); } };
}

/** The SHA-256 fingerprint of the certificate a new TLS connection to 127.0.0.1:port is served. */
export async function servedFingerprint(port: number): Promise<string> {
  const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false });
  try {
    await once(socket, "secureConnect");
    const cert = socket.getPeerX509Certificate();
    if (!cert) throw new Error(`127.0.0.1:${port} served no certificate`);
    return cert.fingerprint256;
  } finally {
    socket.destroy();
  }
}

export const fingerprintOf = (pem: string) => new X509Certificate(pem).fingerprint256;
