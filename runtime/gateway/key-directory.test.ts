import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { KeyDirectory, KeyDirectoryError, maxKeysPerQuery } from "./key-directory.js";

// A small real HTTP directory (POST /prefix/v1/keys): 491234567890 and 491234567891 are on
// WhatsApp, everything else is not; asking for 499999999999 makes the directory fail.
const knownKey = Buffer.alloc(32, 7);
const known = new Set(["491234567890", "491234567891"]);
let server: Server;
let base: string;
/** The numbers each request asked for. */
let requests: string[][];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/prefix/v1/keys") return void res.writeHead(404).end();
      const { wa_ids: asked } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { wa_ids: string[] };
      requests.push(asked);
      if (asked.includes("499999999999")) return void res.writeHead(503).end();
      const keys = asked.filter((id) => known.has(id)).map((id) => ({ wa_id: id, public_key: knownKey.toString("base64") }));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/prefix`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => { requests = []; });

test("a number on WhatsApp yields its device key, and repeated lookups are answered from the cache", async () => {
  const directory = new KeyDirectory(base);
  try {
    const [a, b] = await Promise.all([directory.lookup("491234567890"), directory.lookup("491234567890")]);
    const c = await directory.lookup("491234567890");
    expect(a?.waId).toBe("491234567890");
    expect(Buffer.from(a!.publicKey)).toEqual(knownKey);
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(requests).toEqual([["491234567890"]]);
  } finally {
    await directory.close();
  }
});

test("lookups of many numbers in one turn share one request, up to maxKeysPerQuery numbers each", async () => {
  const directory = new KeyDirectory(base);
  try {
    const others = Array.from({ length: maxKeysPerQuery }, (_, i) => `1555${String(i).padStart(7, "0")}`);
    const [a, b, ...rest] = await Promise.all(["491234567890", "491234567891", ...others].map((id) => directory.lookup(id)));
    expect(a?.waId).toBe("491234567890");
    expect(b?.waId).toBe("491234567891");
    expect(rest.every((key) => key === undefined)).toBe(true);
    expect(requests.map((r) => r.length)).toEqual([maxKeysPerQuery, 2]);
    expect(requests.flat().sort()).toEqual(["491234567890", "491234567891", ...others].sort());
  } finally {
    await directory.close();
  }
});

test("a number not on WhatsApp yields undefined until the miss expires", async () => {
  const directory = new KeyDirectory(base, { missTtlMs: 0 });
  try {
    expect(await directory.lookup("15550000000")).toBeUndefined();
    expect(await directory.lookup("15550000000")).toBeUndefined();
    expect(requests).toHaveLength(2);
  } finally {
    await directory.close();
  }
});

test("a failing directory is an error and is not cached", async () => {
  const directory = new KeyDirectory(base);
  try {
    await expect(directory.lookup("499999999999")).rejects.toBeInstanceOf(KeyDirectoryError);
    await expect(directory.lookup("499999999999")).rejects.toBeInstanceOf(KeyDirectoryError);
    expect(requests).toHaveLength(2);
  } finally {
    await directory.close();
  }
});

test("a wa_id that is not digits is refused before any request", async () => {
  const directory = new KeyDirectory(base);
  try {
    expect(() => directory.lookup("../admin")).toThrow(/wa_id/);
    expect(requests).toHaveLength(0);
  } finally {
    await directory.close();
  }
});

test("invalidate makes the next lookup ask the directory again", async () => {
  const directory = new KeyDirectory(base);
  try {
    await directory.lookup("491234567890");
    directory.invalidate("491234567890");
    await directory.lookup("491234567890");
    expect(requests).toHaveLength(2);
  } finally {
    await directory.close();
  }
});
