import { ApiError } from "../errors.js";
import { boundaryOf, parseMultipart } from "./multipart.js";

/** A body as a real client encodes it (undici's FormData, what fetch sends). */
async function encode(form: FormData): Promise<{ body: Buffer; type: string }> {
  const req = new Request("http://127.0.0.1/", { method: "POST", body: form });
  return { body: Buffer.from(await req.arrayBuffer()), type: req.headers.get("content-type") ?? "" };
}

describe("multipart/form-data", () => {
  it("yields the fields and files a client sent, bytes intact", async () => {
    const bytes = Buffer.from([0xff, 0xd8, 0x0d, 0x0a, 0x2d, 0x2d, 0x00, 0xd9]);
    const form = new FormData();
    form.append("messaging_product", "whatsapp");
    form.append("type", "image/jpeg");
    form.append("file", new Blob([bytes], { type: "image/jpeg" }), "photo \"1\".jpg");
    const { body, type } = await encode(form);
    const parts = parseMultipart(body, type);
    expect(parts.map((p) => [p.name, p.filename, p.contentType])).toEqual([
      ["messaging_product", undefined, undefined],
      ["type", undefined, undefined],
      ["file", expect.stringContaining("photo"), "image/jpeg"],
    ]);
    expect(parts[2]!.data.equals(bytes)).toBe(true);
    expect(parts[0]!.data.toString()).toBe("whatsapp");
  });

  it("needs a boundary", () => {
    expect(() => boundaryOf("multipart/form-data")).toThrow(ApiError);
    expect(boundaryOf('multipart/form-data; boundary="a b"')).toBe("a b");
  });

  it("refuses bodies that are cut short or not multipart", () => {
    const type = "multipart/form-data; boundary=XyZ";
    for (const body of ["", "hello", "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue", "--XyZ\r\n\r\nno disposition\r\n--XyZ--", "--XyZjunk"]) {
      expect(() => parseMultipart(Buffer.from(body), type)).toThrow(ApiError);
    }
  });
});
