// A client that asks the API server for objects' metadata only (PartialObjectMetadata), as
// client-go's metadata informers do. The operator watches the user Secrets its pods read
// (webhook HMAC secrets, the external database, TLS) only to roll the pods when one changes: the
// resourceVersion says that, and caching metadata keeps Secret values out of the operator's memory.
//
// The generic Informer sends "Accept: application/json"; the server picks the representation by
// Accept, and lists and watches need different ones (…;as=PartialObjectMetadataList for a list,
// …;as=PartialObjectMetadata for the events of a watch; each refuses the other's). Lists go
// through applySecurityAuthentication (KubeClient), watches through applyToFetchOptions (Watch),
// so a KubeConfig that sets the right header in each serves both, with the same credentials.
import type { RequestInit } from "node-fetch";
import { KubeConfig, type RequestContext } from "@kubernetes/client-node";
import type { RequestOptions } from "node:https";
import { KubeClient } from "../controller/index.js";
import type { OperatorMetrics } from "../controller/index.js";

const listAccept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
const watchAccept = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

class MetadataOnlyKubeConfig extends KubeConfig {
  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setHeaderParam("Accept", listAccept);
  }

  override async applyToFetchOptions(opts: RequestOptions): Promise<RequestInit> {
    const init = await super.applyToFetchOptions(opts);
    // client-node builds these headers with `new Headers()`.
    (init.headers as unknown as Headers).set("Accept", watchAccept);
    return init;
  }
}

/** A KubeClient for metadata-only informers, with `kubeConfig`'s cluster and credentials. */
export function metadataOnlyClient(kubeConfig: KubeConfig, metrics: OperatorMetrics): KubeClient {
  const copy = new MetadataOnlyKubeConfig();
  copy.loadFromOptions({ clusters: kubeConfig.clusters, users: kubeConfig.users, contexts: kubeConfig.contexts, currentContext: kubeConfig.currentContext });
  return new KubeClient({ kubeConfig: copy, metrics });
}
