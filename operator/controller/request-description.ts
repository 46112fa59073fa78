// What a request to the Kubernetes API does, read from its method and URL, for the request
// counter: verb (get, list, watch, create, update, patch, apply, delete, deletecollection) and
// resource (the plural, with "/subresource" when there is one; "discovery" for API listings).

export interface RequestDescription {
  readonly verb: string;
  readonly resource: string;
  /** Whether the request changes something (and so goes through the write rate limit). */
  readonly write: boolean;
}

const APPLY = "application/apply-patch+yaml";

export function describeRequest(method: string, url: string, contentType?: string): RequestDescription {
  const parsed = new URL(url, "http://localhost");
  const parts = parsed.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  let rest: string[];
  if (parts[0] === "api") rest = parts.slice(2);
  else if (parts[0] === "apis") rest = parts.slice(3);
  else rest = [];
  // "namespaces/<ns>/<resource>…" is a namespaced resource; "namespaces[/<name>]" is the Namespace itself.
  if (rest[0] === "namespaces" && rest.length >= 3) rest = rest.slice(2);
  const [resource, name, sub] = rest;
  const resourceLabel = parts[0] !== "api" && parts[0] !== "apis" ? "other" : resource ? (sub ? `${resource}/${sub}` : resource) : "discovery";
  const m = method.toUpperCase();
  const write = m !== "GET" && m !== "HEAD" && m !== "OPTIONS";
  let verb: string;
  switch (m) {
    case "GET": verb = name ? "get" : parsed.searchParams.get("watch") === "true" ? "watch" : "list"; break;
    case "POST": verb = "create"; break;
    case "PUT": verb = "update"; break;
    case "PATCH": verb = contentType?.startsWith(APPLY) ? "apply" : "patch"; break;
    case "DELETE": verb = name ? "delete" : "deletecollection"; break;
    default: verb = m.toLowerCase();
  }
  return { verb, resource: resourceLabel, write };
}
