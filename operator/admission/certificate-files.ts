// The webhook's serving certificate and key, from files that cert-manager (or the chart's Secret)
// keeps current. The kubelet updates a mounted Secret by swapping a symlink, which file watchers
// miss, so the files are polled; their content (not their times) says whether they changed.
// A new pair is used only once it forms a valid TLS context: while cert and key are half
// written, or if they do not match, the previous pair keeps serving.
import { readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";

export interface KeyPair {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

function describeReadError(file: string, e: unknown): Error {
  return new Error(`cannot read the webhook's TLS file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
}

/** Reads and checks the pair now; throws naming the file or the problem. */
export function readKeyPair({ certFile, keyFile }: CertificateFiles): KeyPair {
  const read = (file: string) => {
    try {
      return readFileSync(file);
    } catch (e) {
      throw describeReadError(file, e);
    }
  };
  const pair = { cert: read(certFile), key: read(keyFile) };
  checkKeyPair(pair, { certFile, keyFile });
  return pair;
}

/** Throws unless cert and key form a TLS context (PEM that parses, a key that matches the certificate). */
function checkKeyPair(pair: KeyPair, { certFile, keyFile }: CertificateFiles): void {
  try {
    createSecureContext(pair);
  } catch (e) {
    throw new Error(`the webhook's certificate ${certFile} and key ${keyFile} are not a usable pair: ${(e as Error).message}`);
  }
}

export interface KeyPairWatchOptions extends CertificateFiles {
  /** The pair in use. */
  readonly current: KeyPair;
  readonly intervalMs: number;
  /** A new, valid pair. */
  readonly onChange: (pair: KeyPair) => void;
  /** A changed pair that cannot be used, or files that cannot be read (each problem reported once). */
  readonly onError: (error: Error) => void;
}

const samePair = (a: KeyPair, b: KeyPair) => a.cert.equals(b.cert) && a.key.equals(b.key);

/** Polls the files every intervalMs; returns a function that stops polling. */
export function watchKeyPair(options: KeyPairWatchOptions): () => void {
  const { certFile, keyFile, intervalMs, onChange, onError } = options;
  let current = options.current;
  let busy = false;
  const poll = async () => {
    const pair = {
      cert: await readFile(certFile).catch((e: unknown) => { throw describeReadError(certFile, e); }),
      key: await readFile(keyFile).catch((e: unknown) => { throw describeReadError(keyFile, e); }),
    };
    if (samePair(pair, current)) return;
    checkKeyPair(pair, { certFile, keyFile });
    current = pair;
    onChange(pair);
  };
  let lastError: string | undefined;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    poll()
      .then(() => { lastError = undefined; })
      .catch((e: unknown) => {
        const error = e instanceof Error ? e : new Error(String(e));
        if (error.message !== lastError) onError(error);
        lastError = error.message;
      })
      .finally(() => { busy = false; });
  }, intervalMs);
  timer.unref();
  return () => { clearInterval(timer); };
}
