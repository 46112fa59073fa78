// Turns a failed zod parse into the API's error: the first problem, naming the field
// ("interactive.action.buttons[3].reply.title: Too big: …"). A missing field is 1008, an unknown
// one 1010, a bad value 1009 (or what `classify` says).
import type { z } from "zod";
import { ApiError, type ErrorName } from "./errors.js";

type Issue = z.core.$ZodIssue;

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : `${out ? "." : ""}${String(part)}`;
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const part of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

export function issueToError(issue: Issue, input: unknown, classify?: (issue: Issue, field: string) => ErrorName | undefined): ApiError {
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    return new ApiError("unknownParameter", `${fieldPath([...issue.path, key])}: not a known parameter`);
  }
  const field = fieldPath(issue.path) || "body";
  const missing = valueAt(input, issue.path) === undefined;
  const name = missing ? "missingParameter" : (classify?.(issue, field) ?? "invalidParameter");
  return new ApiError(name, `${field}: ${missing ? "is required" : issue.message}`);
}

/** The parsed value, or throws the ApiError of the first issue. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, classify?: (issue: Issue, field: string) => ErrorName | undefined): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw issueToError(result.error.issues[0] as Issue, input, classify);
}
