import { keyPairOfBearer, parseAuthorization } from "./credentials.js";

const basic = (s: string) => `Basic ${Buffer.from(s).toString("base64")}`;

describe("the Authorization header", () => {
  it("is read in its three schemes, case-insensitively", () => {
    expect(parseAuthorization("Bearer abc.def.ghi")).toEqual({ scheme: "bearer", value: "abc.def.ghi" });
    expect(parseAuthorization("bearer abc")).toEqual({ scheme: "bearer", value: "abc" });
    expect(parseAuthorization("Apikey monitoring-key")).toEqual({ scheme: "apikey", key: "monitoring-key" });
    expect(parseAuthorization(basic("admin:pa:ss"))).toEqual({ scheme: "basic", id: "admin", secret: "pa:ss" });
  });

  it("yields nothing for what it does not understand", () => {
    for (const h of [undefined, "", "Bearer", "Bearer ", "Digest x", "Basic !!!", basic("no-colon"), basic(":secret"), `Bearer ${"x".repeat(5000)}`]) {
      expect(parseAuthorization(h)).toBeUndefined();
    }
  });

  it("takes a bearer value with a colon as an API key pair (what Cloud SDKs can send)", () => {
    expect(keyPairOfBearer("machine-key:s3cret:x")).toEqual({ id: "machine-key", secret: "s3cret:x" });
    expect(keyPairOfBearer("eyJ.eyJ.sig")).toBeUndefined();
  });
});
