// Generated from crds/waba.dev_wabainstances.yaml by operator/api/generate.ts. Do not edit;
// run `npx tsx operator/api/generate.ts` after changing the CRD.

/** Identifiers that Cloud API clients and Cloud-format webhooks use. */
export interface CloudApiSpec {
  /**
   * The phone-number-id accepted in /v{N}/{phone-number-id}/messages and sent in Cloud-format
   * webhooks. Defaults to the digits of phoneNumber.
   */
  readonly phoneNumberId?: string;
  /**
   * The WhatsApp Business Account id sent as entry[].id in Cloud-format webhooks. Defaults to the
   * digits of phoneNumber.
   */
  readonly businessAccountId?: string;
}

/**
 * The Secret key holding this endpoint's HMAC secret; each delivery is signed with
 * X-Hub-Signature-256.
 */
export interface SecretKeyReference {
  /** Name of a Secret in the instance's namespace. */
  readonly name: string;
  /**
   * Key in the Secret.
   * @default "secret"
   */
  readonly key: string;
}

/** One webhook subscriber. */
export interface WebhookSpec {
  /**
   * Where events are POSTed. Must be https; plain http is accepted only for in-cluster Services
   * (hosts ending in .svc or .svc.cluster.local), whose traffic never leaves the cluster.
   */
  readonly url: string;
  /**
   * The Secret key holding this endpoint's HMAC secret; each delivery is signed with
   * X-Hub-Signature-256.
   */
  readonly secretRef: SecretKeyReference;
  /**
   * Payload format: onprem (the On-Premises API's {messages, statuses}) or cloud (the Cloud API's
   * {object, entry[].changes[]}).
   * @default "onprem"
   */
  readonly format: "onprem" | "cloud";
  /**
   * Events delivered to this endpoint; empty means all.
   * @default []
   */
  readonly events: readonly ("messages" | "statuses")[];
}

/** A PostgreSQL the operator runs for this instance in its region. */
export interface ManagedDatabaseSpec {
  /**
   * Size of the database volume, a quantity such as 10Gi; can grow, never shrink.
   * @default "10Gi"
   */
  readonly size: string;
  /**
   * StorageClass of the database volume; defaults to the region's class. Must be a class the
   * operator allows in the region. Immutable.
   */
  readonly storageClassName?: string;
}

/**
 * A Secret in the instance's namespace with the keys host, database, username and password, and
 * optionally port (default 5432) and sslmode (disable, require or verify-full; default disable).
 * The user needs the right to create tables.
 */
export interface SecretReference {
  /** Name of the Secret. */
  readonly name: string;
}

/** An existing PostgreSQL reached with connection details from a Secret. */
export interface ExternalDatabaseSpec {
  /**
   * A Secret in the instance's namespace with the keys host, database, username and password, and
   * optionally port (default 5432) and sslmode (disable, require or verify-full; default disable).
   * The user needs the right to create tables.
   */
  readonly secretRef: SecretReference;
}

/**
 * Where the instance keeps its data: a PostgreSQL the operator runs (managed, the default) or an
 * existing one (external). Exactly one of the two.
 * @default {"managed":{}}
 */
export interface DatabaseSpec {
  /** A PostgreSQL the operator runs for this instance in its region. */
  readonly managed?: ManagedDatabaseSpec;
  /** An existing PostgreSQL reached with connection details from a Secret. */
  readonly external?: ExternalDatabaseSpec;
}

/**
 * The media volume, shared by the WebApp and every CoreApp.
 * @default {}
 */
export interface MediaSpec {
  /**
   * Size of the media volume, a quantity such as 10Gi; can grow, never shrink.
   * @default "10Gi"
   */
  readonly size: string;
  /**
   * StorageClass of the media volume; defaults to the region's media class. Must be a class the
   * operator allows in the region. Immutable.
   */
  readonly storageClassName?: string;
  /**
   * ReadWriteMany (the default) lets pods on every node mount the volume; ReadWriteOnce suits
   * single-node clusters only. Immutable.
   * @default "ReadWriteMany"
   */
  readonly accessMode: "ReadWriteMany" | "ReadWriteOnce";
}

/** Serve the WebApp's API over HTTPS with a certificate from a Secret. */
export interface TlsSpec {
  /**
   * A kubernetes.io/tls Secret (keys tls.crt and tls.key) in the instance's namespace, for example
   * one that cert-manager keeps current.
   */
  readonly secretName: string;
}

/**
 * What happens to the instance's data when the WabaInstance is deleted.
 * @default {}
 */
export interface RetentionPolicy {
  /**
   * Retain (the default) keeps the database and media volumes and the credentials Secret, so an
   * instance created again with the same name finds its data; Delete removes them with the
   * instance.
   * @default "Retain"
   */
  readonly whenDeleted: "Retain" | "Delete";
}

/** A toleration, as in a Pod's spec.tolerations. */
export interface Toleration {
  /** Taint key the toleration applies to; empty with operator Exists matches every taint. */
  readonly key?: string;
  /** Exists or Equal (the default). */
  readonly operator?: "Exists" | "Equal";
  /** Taint value to match with operator Equal. */
  readonly value?: string;
  /** Taint effect to match; empty matches every effect. */
  readonly effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  /** For NoExecute, how long the pod stays bound after the taint appears. */
  readonly tolerationSeconds?: number;
}

/** A reference to an image pull Secret. */
export interface LocalObjectReference {
  /** Name of a Secret in the instance's namespace. */
  readonly name: string;
}

/** Resources of the component's container, replacing the tier's requests and limits it names. */
export interface ResourceRequirements {
  /** Minimum resources, such as cpu 250m and memory 256Mi. */
  readonly requests?: Readonly<Record<string, number | string>>;
  /** Maximum resources, such as memory 512Mi. */
  readonly limits?: Readonly<Record<string, number | string>>;
}

/** Compute resources per component, overriding the tier's. */
export interface ComponentResources {
  /** Resources of the component's container, replacing the tier's requests and limits it names. */
  readonly webapp?: ResourceRequirements;
  /** Resources of the component's container, replacing the tier's requests and limits it names. */
  readonly coreapp?: ResourceRequirements;
  /** Resources of the component's container, replacing the tier's requests and limits it names. */
  readonly webhook?: ResourceRequirements;
  /** Resources of the component's container, replacing the tier's requests and limits it names. */
  readonly database?: ResourceRequirements;
  /** Resources of the component's container, replacing the tier's requests and limits it names. */
  readonly migrate?: ResourceRequirements;
}

/** Settings applied to every pod of the instance. */
export interface PodTemplateOverrides {
  /** Extra labels for every pod. The operator's app.kubernetes.io labels cannot be overridden. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Extra annotations for every pod. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Node labels every pod requires, in addition to the region the operator pins pods to. */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Tolerations for every pod. */
  readonly tolerations?: readonly Toleration[];
  /** Secrets for pulling the runtime and database images. */
  readonly imagePullSecrets?: readonly LocalObjectReference[];
  /** Compute resources per component, overriding the tier's. */
  readonly resources?: ComponentResources;
}

/** The desired instance. */
export interface WabaInstanceSpec {
  /**
   * The phone number this instance serves, in E.164 form (such as +15551234567). Immutable; one
   * instance per number in the whole cluster.
   */
  readonly phoneNumber: string;
  /**
   * The region the instance's pods and volumes are pinned to; one of the regions the operator is
   * configured with. Immutable: the instance's data never leaves its region.
   */
  readonly region: string;
  /**
   * The service tier, one of the tiers the operator is configured with. A tier caps messages per
   * second and shards and sets default resources.
   */
  readonly tier: string;
  /**
   * Target messages per second. The operator runs the smallest number of shards that carries it,
   * capped by the tier. Mutually exclusive with shards.
   */
  readonly throughput?: number;
  /**
   * CoreApp shards (multi-connect): 1, 2, 4, 8, 16 or 32; the instance runs shards + 1 CoreApps,
   * one a spare. `kubectl scale wabainstance NAME --replicas=N` sets it. Mutually exclusive with
   * throughput; with neither, the instance runs 1 shard.
   */
  readonly shards?: number;
  /**
   * Runtime image for this instance, overriding the operator's default (to pin or canary a
   * version). A change first runs the schema migration with the new image.
   */
  readonly runtimeImage?: string;
  /** Identifiers that Cloud API clients and Cloud-format webhooks use. */
  readonly cloudApi?: CloudApiSpec;
  /** Endpoints that receive inbound messages and message statuses. */
  readonly webhooks?: readonly WebhookSpec[];
  /**
   * Where the instance keeps its data: a PostgreSQL the operator runs (managed, the default) or an
   * existing one (external). Exactly one of the two.
   * @default {"managed":{}}
   */
  readonly database: DatabaseSpec;
  /**
   * The media volume, shared by the WebApp and every CoreApp.
   * @default {}
   */
  readonly media: MediaSpec;
  /** Serve the WebApp's API over HTTPS with a certificate from a Secret. */
  readonly tls?: TlsSpec;
  /**
   * When true the operator makes no change to the instance or its children.
   * @default false
   */
  readonly paused: boolean;
  /**
   * What happens to the instance's data when the WabaInstance is deleted.
   * @default {}
   */
  readonly persistentVolumeClaimRetentionPolicy: RetentionPolicy;
  /** Settings applied to every pod of the instance. */
  readonly podTemplate?: PodTemplateOverrides;
}

/** One aspect of the instance's state. */
export interface Condition {
  /** The aspect, in CamelCase. */
  readonly type: string;
  /** True, False or Unknown. */
  readonly status: "True" | "False" | "Unknown";
  /** The metadata.generation the condition was set for. */
  readonly observedGeneration?: number;
  /** When the status last changed. */
  readonly lastTransitionTime: string;
  /** Why, in CamelCase. */
  readonly reason: string;
  /** Why, for a person. */
  readonly message: string;
}

/** A CoreApp's connection. */
export interface GatewayNode {
  /** The CoreApp pod. */
  readonly name: string;
  /** Its gateway status. */
  readonly status: "connected" | "connecting" | "disconnected" | "uninitialized" | "unregistered" | "unknown";
  /** The shard it serves; absent for a spare. */
  readonly shard?: number;
}

/** Connection to the WhatsApp network, as the runtime reports it. */
export interface GatewayStatus {
  /** Worst status over the CoreApps, or unknown when not reported. */
  readonly status?: "connected" | "connecting" | "disconnected" | "uninitialized" | "unregistered" | "unknown";
  /** One entry per CoreApp. */
  readonly nodes?: readonly GatewayNode[];
}

/** The observed state, written by the operator. */
export interface WabaInstanceStatus {
  /**
   * Pending (accepted, nothing built yet), Provisioning (being built), Ready (every component
   * ready), Degraded (was ready, a component is not), Failed (needs a change to the spec, see the
   * Ready condition) or Paused (spec.paused is true).
   */
  readonly phase?: "Pending" | "Provisioning" | "Ready" | "Degraded" | "Failed" | "Paused";
  /** The metadata.generation this status describes. */
  readonly observedGeneration?: number;
  /**
   * Ready, one condition per component (Credentials, Database, Media, WebApp, CoreApp, Webhook,
   * Migration) and NumberConflict when another instance has the same number.
   */
  readonly conditions?: readonly Condition[];
  /** Shards the instance runs, after the tier's cap. */
  readonly desiredShards?: number;
  /** Shards served by a ready CoreApp (the scale subresource's status replicas). */
  readonly readyShards?: number;
  /** Messages per second the instance can send with its shards and tier. */
  readonly capacity?: number;
  /** In-cluster URL of the instance's API (the WebApp Service). */
  readonly endpoint?: string;
  /** Name of the Secret holding the generated admin password, API keys and at-rest keys. */
  readonly credentialsSecret?: string;
  /** Label selector of the CoreApp pods (the scale subresource's selector). */
  readonly selector?: string;
  /** Connection to the WhatsApp network, as the runtime reports it. */
  readonly gateway?: GatewayStatus;
}
