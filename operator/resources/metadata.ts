// Names, labels and owner references of an instance's children.
import type { V1ObjectMeta, V1OwnerReference } from "@kubernetes/client-node";
import { apiVersion, appName, kind, labelKeys, managedBy, partOf, type Component } from "../api/constants.js";

/** The instance a child belongs to: what names, labels and owner references need. */
export interface Owner {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

/** Names of the children (the migrate Job's is migrationJobName in migrate.ts). */
export function childName(instance: string, component: Exclude<Component, "migrate">): string {
  return `${instance}-${component === "database" ? "db" : component}`;
}

/** The labels that select a component's pods; users cannot override them. */
export function selectorLabels(instance: string, component: Component): Record<string, string> {
  return { [labelKeys.name]: appName, [labelKeys.instance]: instance, [labelKeys.component]: component };
}

/** Every label a child carries. */
export function childLabels(instance: string, component: Component): Record<string, string> {
  return { ...selectorLabels(instance, component), [labelKeys.managedBy]: managedBy, [labelKeys.partOf]: partOf };
}

/** `key=value,…` form of a selector, as in status.selector. */
export function selectorString(labels: Record<string, string>): string {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",");
}

export function ownerReference(owner: Owner): V1OwnerReference {
  return { apiVersion, kind, name: owner.name, uid: owner.uid, controller: true, blockOwnerDeletion: true };
}

/**
 * Metadata of a child. `owned: false` leaves out the owner reference, for data that outlives the
 * instance under the Retain policy (the garbage collector would delete it otherwise).
 */
export function childMeta(owner: Owner, component: Component, name: string, owned = true): V1ObjectMeta {
  return {
    name,
    namespace: owner.namespace,
    labels: childLabels(owner.name, component),
    ...(owned ? { ownerReferences: [ownerReference(owner)] } : {}),
  };
}

/** The label selector that finds every child of an instance, whatever its component. */
export function childrenSelector(instance: string): string {
  return selectorString({ [labelKeys.name]: appName, [labelKeys.instance]: instance, [labelKeys.managedBy]: managedBy });
}
