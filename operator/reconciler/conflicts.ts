// One number, one instance: among the instances with the same phone number anywhere the operator
// watches, the oldest (creationTimestamp, then uid) owns the number and is reconciled; the others
// are not (no child is written for them) and say which instance holds the number. An instance
// being deleted keeps the number until it is gone, so two instances never serve one number at
// once; then the next oldest proceeds. The admission webhook refuses duplicates up front; this is
// what holds when it was down.
import type { WabaInstance } from "../api/types.js";
import { objectKey } from "../controller/index.js";

/** Sorts oldest first: creationTimestamp (RFC 3339, compared as instants), then uid. */
function olderFirst(a: WabaInstance, b: WabaInstance): number {
  const time = (i: WabaInstance) => Date.parse(String(i.metadata.creationTimestamp ?? "")) || 0;
  return time(a) - time(b) || (a.metadata.uid ?? "").localeCompare(b.metadata.uid ?? "");
}

/** The instance that owns `instance`'s number when it is another one; undefined when `instance` owns it. */
export function numberOwner(instance: WabaInstance, all: readonly WabaInstance[]): WabaInstance | undefined {
  const sameNumber = all.filter((i) => i.spec.phoneNumber === instance.spec.phoneNumber);
  const owner = [...sameNumber].sort(olderFirst)[0];
  return owner && owner.metadata.uid !== instance.metadata.uid ? owner : undefined;
}

/** Keys of the other instances with `instance`'s number: a change of one may let another proceed. */
export function sameNumberKeys(instance: WabaInstance, all: readonly WabaInstance[]): string[] {
  return all
    .filter((i) => i.spec.phoneNumber === instance.spec.phoneNumber && i.metadata.uid !== instance.metadata.uid)
    .map(objectKey);
}
