import { describeRequest } from "./request-description.js";

describe("describing an API request", () => {
  it.each([
    ["GET", "https://h/api/v1/namespaces/acme/configmaps/cfg", "get", "configmaps"],
    ["GET", "https://h/api/v1/namespaces/acme/configmaps?labelSelector=a%3Db", "list", "configmaps"],
    ["GET", "https://h/api/v1/configmaps?watch=true&resourceVersion=5", "watch", "configmaps"],
    ["GET", "https://h/api/v1/namespaces", "list", "namespaces"],
    ["GET", "https://h/api/v1/namespaces/acme", "get", "namespaces"],
    ["POST", "https://h/apis/events.k8s.io/v1/namespaces/acme/events", "create", "events"],
    ["PUT", "https://h/apis/coordination.k8s.io/v1/namespaces/ops/leases/op", "update", "leases"],
    ["PATCH", "https://h/apis/example.com/v1alpha1/namespaces/acme/widgets/w/status", "patch", "widgets/status"],
    ["DELETE", "https://h/api/v1/namespaces/acme/pods/p", "delete", "pods"],
    ["DELETE", "https://h/api/v1/namespaces/acme/pods", "deletecollection", "pods"],
    ["GET", "https://h/apis/apps/v1", "list", "discovery"],
    ["GET", "https://h/version", "list", "other"],
  ])("%s %s is %s of %s", (method, url, verb, resource) => {
    expect(describeRequest(method, url)).toMatchObject({ verb, resource });
  });

  it("tells server-side apply from other patches by its content type", () => {
    expect(describeRequest("PATCH", "https://h/apis/apps/v1/namespaces/a/deployments/d", "application/apply-patch+yaml").verb).toBe("apply");
    expect(describeRequest("PATCH", "https://h/apis/apps/v1/namespaces/a/deployments/d", "application/merge-patch+json").verb).toBe("patch");
  });

  it("marks every verb but reads as a write", () => {
    expect(describeRequest("GET", "https://h/api/v1/pods").write).toBe(false);
    for (const m of ["POST", "PUT", "PATCH", "DELETE"]) expect(describeRequest(m, "https://h/api/v1/namespaces/a/pods/p").write).toBe(true);
  });
});
