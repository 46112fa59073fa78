// Deleting an instance needs no finalizer: nothing of an instance lives outside the cluster's
// owner graph. Its children carry controller owner references, so the garbage collector deletes
// them; what the retention policy keeps is built WITHOUT an owner reference under Retain (the
// media claim, the credentials Secret — operator/resources) or kept by the StatefulSet's own
// persistentVolumeClaimRetentionPolicy (the database claim), and with one under Delete. Switching
// the policy later adds or removes those references on the next reconcile.
//
// While an instance is being deleted the operator writes nothing for it: re-creating a child the
// garbage collector is removing would only race it. A retained child keeps its instance label,
// so an instance created again under the same name finds its data and credentials and adopts them.
import type { WabaInstance } from "../api/types.js";

export function isBeingDeleted(instance: WabaInstance): boolean {
  return instance.metadata.deletionTimestamp !== undefined;
}
