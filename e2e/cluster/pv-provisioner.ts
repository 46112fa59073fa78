// The local cluster's volume provisioner, started by up.sh and stopped by down.sh:
//   node --import tsx e2e/cluster/pv-provisioner.ts --kubeconfig=F --volumes=DIR --ready-file=F
// It watches claims, volumes and storage classes, and after every change creates the volumes
// that claims of our StorageClasses need (a hostPath directory under --volumes) and deletes
// those whose claim is gone. It survives API server restarts: a failed watch is restarted.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  StorageV1Api,
  makeInformer,
  type Informer,
  type KubernetesObject,
} from "@kubernetes/client-node";
import { planVolumes } from "./provisioning.js";

const RETRY_MS = 1000;

function options(): { kubeconfig: string; volumeRoot: string; readyFile: string } {
  const { values } = parseArgs({
    options: { kubeconfig: { type: "string" }, volumes: { type: "string" }, "ready-file": { type: "string" } },
  });
  const { kubeconfig, volumes: volumeRoot, "ready-file": readyFile } = values;
  if (!kubeconfig || !volumeRoot || !readyFile) {
    console.error("usage: pv-provisioner.ts --kubeconfig=FILE --volumes=DIR --ready-file=FILE");
    process.exit(2);
  }
  return { kubeconfig, volumeRoot, readyFile };
}

const { kubeconfig, volumeRoot, readyFile } = options();
const log = (message: string) => { console.log(`${new Date().toISOString()} ${message}`); };
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const storage = kc.makeApiClient(StorageV1Api);

const claims = makeInformer(kc, "/api/v1/persistentvolumeclaims", () => core.listPersistentVolumeClaimForAllNamespaces());
const volumes = makeInformer(kc, "/api/v1/persistentvolumes", () => core.listPersistentVolume());
const classes = makeInformer(kc, "/apis/storage.k8s.io/v1/storageclasses", () => storage.listStorageClass());

const status = (e: unknown) => (e instanceof ApiException ? e.code : undefined);

async function reconcile(): Promise<boolean> {
  const plan = planVolumes({ claims: claims.list(), volumes: volumes.list(), classes: classes.list() }, volumeRoot);
  let ok = true;
  for (const volume of plan.create) {
    const name = volume.metadata?.name ?? "";
    const claim = volume.spec?.claimRef;
    try {
      mkdirSync(join(volumeRoot, name), { recursive: true });
      await core.createPersistentVolume({ body: volume });
      log(`created ${name} for ${claim?.namespace ?? ""}/${claim?.name ?? ""}`);
    } catch (e) {
      if (status(e) !== 409) { ok = false; log(`creating ${name} failed: ${String(e)}`); }
    }
  }
  for (const name of plan.remove) {
    try {
      await core.deletePersistentVolume({ name });
      rmSync(join(volumeRoot, name), { recursive: true, force: true });
      log(`deleted ${name}: its claim is gone`);
    } catch (e) {
      if (status(e) !== 404) { ok = false; log(`deleting ${name} failed: ${String(e)}`); }
    }
  }
  return ok;
}

// One reconcile at a time; changes that arrive meanwhile coalesce into one more run.
let running = false;
let again = false;
function schedule(): void {
  if (running) { again = true; return; }
  running = true;
  again = false;
  void reconcile().then((ok) => {
    running = false;
    if (again) schedule();
    else if (!ok) setTimeout(schedule, RETRY_MS);
  });
}

function watch<T extends KubernetesObject>(informer: Informer<T>, what: string): void {
  for (const event of ["add", "update", "delete"] as const) informer.on(event, schedule);
  // client-node's informer stops after an error (the API server went away): restart it.
  const restart = (err: unknown) => {
    log(`watch of ${what} failed (${String(err)}), restarting`);
    setTimeout(() => { informer.start().catch(restart); }, RETRY_MS);
  };
  informer.on("error", restart);
}

watch(claims, "claims");
watch(volumes, "volumes");
watch(classes, "storage classes");
await Promise.all([claims.start(), volumes.start(), classes.start()]);
writeFileSync(readyFile, `${process.pid}\n`);
log(`watching claims of provisioner waba.local/hostpath; volumes under ${volumeRoot}`);
schedule();

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    void Promise.all([claims.stop(), volumes.stop(), classes.stop()]).finally(() => process.exit(0));
  });
}
