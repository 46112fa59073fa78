// Every API request the operator makes, as RBAC rules: what the Helm chart must grant (no more is
// needed) and what the integration suite runs the operator under, so a missing verb fails a test.
// `rules` apply where instances live (a ClusterRole, or a Role in config.watchNamespace);
// `leaseRules` in the namespace of the leader-election Lease.
import { group, plural } from "../api/constants.js";
import { childKinds } from "./sources.js";

export interface Rule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  /** Which code makes these requests. */
  readonly why: string;
}

const apiGroup = (apiVersion: string) => (apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : "");
const resourceOf = (kind: string) => childKinds.find((k) => k.kind === kind)?.resource ?? "";
const groupOf = (kind: string) => apiGroup(childKinds.find((k) => k.kind === kind)?.apiVersion ?? "");

/** Informers list and watch every child kind; server-side apply that creates an object needs create as well as patch. */
const child = (kind: string, verbs: readonly string[], why: string): Rule => ({
  apiGroups: [groupOf(kind)], resources: [resourceOf(kind)], verbs: ["list", "watch", ...verbs], why,
});

export const rules: readonly Rule[] = [
  { apiGroups: [group], resources: [plural], verbs: ["list", "watch"], why: "the informer of WabaInstances (reads come from its cache; the admission webhook reads it too)" },
  { apiGroups: [group], resources: [`${plural}/status`], verbs: ["patch"], why: "status: server-side apply of the status subresource, only when it changed" },
  { apiGroups: [group], resources: [`${plural}/finalizers`], verbs: ["update"], why: "children's owner references set blockOwnerDeletion, which the OwnerReferencesPermissionEnforcement admission plugin allows only to who may update this" },
  child("Secret", ["create", "get", "patch"], "credentials: created once (create), read back when the create lost a race (get, AlreadyExists), repaired by apply (patch); user Secrets are watched as metadata only"),
  child("Service", ["create", "patch", "delete"], "WebApp, CoreApp and database Services; the database's is deleted when spec.database turns external"),
  child("PersistentVolumeClaim", ["create", "patch"], "the media claim; growing the database claim"),
  child("Deployment", ["create", "patch"], "WebApp and webhook dispatcher"),
  child("StatefulSet", ["create", "patch", "delete"], "CoreApp and database; the database's is deleted when spec.database turns external"),
  child("Job", ["create", "delete"], "migrate Jobs: create-only; superseded ones are deleted"),
  child("NetworkPolicy", ["create", "patch", "delete"], "the instance's NetworkPolicies; the database's is deleted when spec.database turns external"),
  child("PodDisruptionBudget", ["create", "patch"], "WebApp and CoreApp PodDisruptionBudgets"),
  { apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["create", "patch"], why: "Events on instances (create; patch counts a repeated one)" },
];

export const leaseRules: readonly Rule[] = [
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update"], why: "leader election: read the Lease, create it when missing, take and renew it with an update (get and update can be limited to the Lease's name)" },
];
