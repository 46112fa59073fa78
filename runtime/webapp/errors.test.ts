import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiError, catalogue, cloudError, onPremError, type ErrorName } from "./errors.js";

const here = new URL(".", import.meta.url).pathname;
const names = Object.keys(catalogue) as ErrorName[];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "testing" ? [] : sources(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") && e.name !== "errors.ts" ? [readFileSync(path, "utf8")] : [];
  });
}

describe("the error catalogue", () => {
  it("has every entry raised somewhere in the WebApp", () => {
    const code = sources(here).join("\n");
    const unused = names.filter((name) => !code.includes(`"${name}"`));
    expect(unused).toEqual([]);
  });

  it("has every entry documented in API.md with its code, status, title and Cloud code", () => {
    const doc = readFileSync(join(here, "API.md"), "utf8");
    const undocumented = names.filter((name) => {
      const e = catalogue[name];
      return !doc.includes(`| ${name} | ${e.code} | ${e.status} | ${e.title} | ${e.cloud.code}`);
    });
    expect(undocumented).toEqual([]);
  });

  it("renders the on-prem and the Cloud error shapes", () => {
    const err = new ApiError("invalidParameter", "to: must be a phone number");
    expect(onPremError(err)).toEqual({ errors: [{ code: 1009, title: "Parameter value is not valid", details: "to: must be a phone number" }] });
    expect(cloudError(new ApiError("notFound", "no such object"), "trace-1")).toEqual({
      error: {
        message: "(#100) Resource not found", type: "GraphMethodException", code: 100, error_subcode: 33,
        error_data: { messaging_product: "whatsapp", details: "no such object" }, fbtrace_id: "trace-1",
      },
    });
  });
});
