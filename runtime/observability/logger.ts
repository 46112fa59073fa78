// Structured JSON logs (pino). Redaction is the safety net, not the policy: code never passes
// secrets or message bodies to the logger; these paths catch the mistakes.
import { pino, type Logger, type LevelWithSilent } from "pino";

export const redactedPaths = [
  "password", "*.password", "new_password", "*.new_password", "secret", "*.secret", "token", "*.token",
  "authorization", "*.authorization", "req.headers.authorization", "req.headers.cookie", "headers.authorization",
  "body", "*.body", "text", "*.text", "caption", "*.caption", "ciphertext", "*.ciphertext",
];

export function createLogger(options: { role: string; level: LevelWithSilent; instance?: string }, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: options.level,
      base: { role: options.role, ...(options.instance ? { instance: options.instance } : {}) },
      redact: { paths: redactedPaths, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
