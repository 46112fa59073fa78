import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { KeyDirectory, KeyDirectoryError } from "./key-directory.js";

// A small real HTTP directory: 491234567890 is on WhatsApp, everything else is not;
// 499999999999 makes the directory fail.
const knownKey = Buffer.alloc(32, 7);
let server: Server;
let base: string;
let requests: string[];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? "");
    if (req.url === "/prefix/v1/keys/491234567890") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ wa_id: "491234567890", public_key: knownKey.toString("base64") }));
    } else if (req.url === "/prefix/v1/keys/499999999999") {
      res.writeHead(503).end();
    } else {
      res.writeHead(404).end();
    }
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
    expect(requests).toEqual(["/prefix/v1/keys/491234567890"]);
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
