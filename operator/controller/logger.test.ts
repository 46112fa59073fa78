import { ApiException } from "@kubernetes/client-node";
import { Writable } from "node:stream";
import { createLogger, redact } from "./logger.js";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb(); },
  });
  return { lines, logger: createLogger({ level: "debug", destination }) };
}

const secret = {
  apiVersion: "v1", kind: "Secret", metadata: { name: "creds", namespace: "acme" },
  data: { password: Buffer.from("hunter2-base64").toString("base64") }, stringData: { token: "tok-plain-1234" },
};

describe("the logger", () => {
  it("never writes Secret data, wherever the Secret sits in the line", () => {
    const { lines, logger } = capture();
    logger.info({ object: secret }, "applied");
    logger.info({ child: { nested: { deeper: secret } } }, "deep");
    logger.info(secret, "top level");
    logger.child({ controller: "c", key: "acme/creds" }).info({ obj: [secret] }, "list");
    const out = lines.join("");
    expect(out).not.toContain("tok-plain-1234");
    expect(out).not.toContain(Buffer.from("hunter2-base64").toString("base64"));
    expect(out).toContain("[REDACTED]");
    expect(out).toContain('"controller":"c"');
    expect(out).toContain('"key":"acme/creds"');
  });

  it("censors Authorization headers", () => {
    const { lines, logger } = capture();
    logger.info({ request: { headers: { Authorization: "Bearer sekret-token" } } }, "req");
    logger.info({ headers: { authorization: "Bearer sekret-token" } }, "req2");
    expect(lines.join("")).not.toContain("sekret-token");
  });

  it("logs an API error as status, reason and the server's message, not its body or headers", () => {
    const { lines, logger } = capture();
    const body = JSON.stringify({ kind: "Status", code: 409, reason: "Conflict", message: "the object has been modified", details: { secret: "body-only-detail" } });
    const err = new ApiException(409, "Unsuccessful HTTP Request", body, { "x-token": "header-secret" });
    logger.error({ err }, "apply failed");
    const line = JSON.parse(lines[0]!);
    expect(line.err).toEqual({ type: "Error", message: "409 Conflict: the object has been modified", status: 409, reason: "Conflict" });
    expect(lines[0]).not.toContain("header-secret");
    expect(lines[0]).not.toContain("body-only-detail");
  });

  it("redact() leaves other fields as they are", () => {
    expect(redact({ a: 1, b: { c: ["x"] }, data: { k: "v" } })).toEqual({ a: 1, b: { c: ["x"] }, data: "[REDACTED]" });
  });
});
