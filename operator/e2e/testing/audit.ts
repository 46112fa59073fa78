// Counting the operator's requests on the server side: an audit log on a private cluster's API
// server. The cluster scripts keep each component's command line in run/<name>.cmd (NUL-separated)
// and restart a component with it, so the audit flags are appended there and the API server
// restarted once. The operator impersonates its ServiceAccount, so its requests are the audit
// events whose impersonatedUser is that ServiceAccount.
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PrivateCluster } from "../../../e2e/testing/cluster.js";

export interface AuditEvent {
  readonly verb: string;
  readonly stage: string;
  readonly requestReceivedTimestamp: string;
  readonly user: { readonly username: string };
  readonly impersonatedUser?: { readonly username: string };
  readonly objectRef?: { readonly resource?: string; readonly subresource?: string; readonly namespace?: string; readonly name?: string };
}

export interface AuditLog {
  /** Completed requests made as `user` at or after `since`. */
  requestsBy(user: string, since: Date): AuditEvent[];
}

const writeVerbs = new Set(["create", "update", "patch", "delete", "deletecollection"]);
export const isWrite = (e: AuditEvent): boolean => writeVerbs.has(e.verb);

/** Turns the audit log on (Metadata level, every request) and restarts the API server. */
export async function enableAuditLog(cluster: PrivateCluster): Promise<AuditLog> {
  const policy = join(cluster.dir, "audit-policy.yaml");
  const path = join(cluster.dir, "logs", "audit.log");
  writeFileSync(policy, "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n  - level: Metadata\n");
  appendFileSync(join(cluster.dir, "run", "kube-apiserver.cmd"), [`--audit-policy-file=${policy}`, `--audit-log-path=${path}`, "--audit-log-format=json", "--audit-log-mode=blocking"].map((a) => `${a}\0`).join(""));
  await cluster.restartApiServer();
  return {
    requestsBy(user, since) {
      return readFileSync(path, "utf8").split("\n").filter(Boolean)
        .map((line) => JSON.parse(line) as AuditEvent)
        .filter((e) => e.stage === "ResponseComplete" && (e.impersonatedUser?.username ?? e.user.username) === user && new Date(e.requestReceivedTimestamp) >= since);
    },
  };
}
