// The one way the operator talks to the API server. It builds a client-node Configuration whose
// HTTP library (1) waits for the client-side write bucket before every write, (2) counts every
// request by verb, resource and code, (3) bounds each request by a timeout and (4) reuses one
// keep-alive TLS agent (client-node 1.4 makes a new agent, so a new TLS handshake, per request).
// Typed clients made with api() share all of that.
//
// Generic requests (request(), used by the informer, apply and the lease) send and return the
// API's JSON as is. client-node's KubernetesObjectApi is not used for them: it runs bodies through
// its model serializer, which picks the model by version+kind only (events.k8s.io/v1 Event is
// serialized as core/v1 Event, dropping `note` and `regarding`), drops fields its 1.4 models do
// not know, and has no subresources (status).
import {
  ApiException, HttpMethod, IsomorphicFetchHttpLibrary, RequestContext, ResponseContext, ServerConfiguration,
  createConfiguration, wrapHttpLibrary, type Configuration, type HttpLibrary, type KubeConfig,
} from "@kubernetes/client-node";
import { createHash } from "node:crypto";
import { Agent as HttpsAgent } from "node:https";
import { systemClock, type Clock } from "./clock.js";
import type { OperatorMetrics } from "./metrics.js";
import { TokenBucket } from "./rate-limiter.js";
import { describeRequest } from "./request-description.js";

export interface KubeClientOptions {
  readonly kubeConfig: KubeConfig;
  readonly metrics: OperatorMetrics;
  /** Writes per second allowed on average. @default 20 */
  readonly writeQps?: number;
  /** Writes allowed at once before the rate applies. @default 30 */
  readonly writeBurst?: number;
  /** Timeout of one request (not of watches). @default 30000 */
  readonly requestTimeoutMs?: number;
  readonly clock?: Clock;
}

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RequestOptions {
  readonly query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** @default "application/json" */
  readonly contentType?: string;
  /** Overrides the client's request timeout. */
  readonly timeoutMs?: number;
}

export interface ApiResource {
  /** The plural used in paths, e.g. "deployments". */
  readonly name: string;
  readonly namespaced: boolean;
}

/** What identifies an object (or, without a name, a collection) for the API. */
export interface ObjectReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name?: string;
}

export class KubeClient {
  readonly kubeConfig: KubeConfig;
  /** A client-node Configuration with this client's accounting, limits and agent, for api(). */
  readonly configuration: Configuration;
  private readonly metrics: OperatorMetrics;
  private readonly writes: TokenBucket;
  private readonly timeoutMs: number;
  private readonly discovery = new Map<string, Map<string, ApiResource>>();
  private agent: { key: string; agent: HttpsAgent } | undefined;

  constructor(options: KubeClientOptions) {
    const { kubeConfig, metrics, writeQps = 20, writeBurst = 30, requestTimeoutMs = 30_000, clock = systemClock } = options;
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error("kubeconfig has no current cluster");
    this.kubeConfig = kubeConfig;
    this.metrics = metrics;
    this.writes = new TokenBucket(writeQps, writeBurst, clock);
    this.timeoutMs = requestTimeoutMs;
    this.configuration = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kubeConfig },
      httpApi: this.wrap(new IsomorphicFetchHttpLibrary()),
    });
  }

  /** A typed client-node API (CoreV1Api, AppsV1Api …) whose requests are counted and limited like the rest. */
  api<T>(apiClass: new (configuration: Configuration) => T): T {
    return new apiClass(this.configuration);
  }

  /** Sends one request; returns the HTTP status and the parsed JSON body. Non-2xx throws ApiException. */
  async send(method: Method, path: string, options: RequestOptions = {}): Promise<{ status: number; body: unknown }> {
    const ctx = this.configuration.baseServer.makeRequestContext(path, HttpMethod[method]);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) ctx.setQueryParam(k, String(v));
    ctx.setHeaderParam("Accept", "application/json");
    if (options.timeoutMs !== undefined) ctx.setSignal(AbortSignal.timeout(options.timeoutMs));
    if (options.body !== undefined) {
      ctx.setHeaderParam("Content-Type", options.contentType ?? "application/json");
      ctx.setBody(JSON.stringify(options.body));
    }
    await this.kubeConfig.applySecurityAuthentication(ctx);
    const response = await this.configuration.httpApi.send(ctx).toPromise();
    const text = await response.body.text();
    if (response.httpStatusCode < 200 || response.httpStatusCode > 299) {
      throw new ApiException(response.httpStatusCode, "Unsuccessful HTTP Request", text, response.headers);
    }
    return { status: response.httpStatusCode, body: text ? JSON.parse(text) : undefined };
  }

  /** Like send(), returning only the body. */
  async request<T = unknown>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    return (await this.send(method, path, options)).body as T;
  }

  /** The resource (plural, scope) of a kind, from API discovery; cached, refreshed when a kind is missing (new CRDs). */
  async resource(apiVersion: string, kind: string): Promise<ApiResource> {
    const known = this.discovery.get(apiVersion)?.get(kind);
    if (known) return known;
    const list = await this.request<{ resources?: { name: string; kind: string; namespaced: boolean }[] }>(
      "GET", apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
    const byKind = new Map<string, ApiResource>();
    for (const r of list.resources ?? []) if (!r.name.includes("/")) byKind.set(r.kind, { name: r.name, namespaced: r.namespaced });
    this.discovery.set(apiVersion, byKind);
    const found = byKind.get(kind);
    if (!found) throw new Error(`the API server does not serve kind ${kind} in ${apiVersion}`);
    return found;
  }

  /** The path of an object (with a name) or of a collection (without), optionally of a subresource. */
  async path(ref: ObjectReference, subresource?: string): Promise<string> {
    const resource = await this.resource(ref.apiVersion, ref.kind);
    if (resource.namespaced && ref.name !== undefined && !ref.namespace) {
      throw new Error(`metadata.namespace is required for ${ref.kind} ${ref.name}`);
    }
    const parts = [ref.apiVersion.includes("/") ? "/apis" : "/api", ref.apiVersion];
    if (resource.namespaced && ref.namespace) parts.push("namespaces", encodeURIComponent(ref.namespace));
    parts.push(resource.name);
    if (ref.name !== undefined) parts.push(encodeURIComponent(ref.name));
    if (subresource) parts.push(subresource);
    return parts.join("/");
  }

  /** Counts a watch request, which client-node's Watch makes outside this client's HTTP library. */
  countWatch(resource: string, code: number | "error"): void {
    this.metrics.apiRequests.inc({ verb: "watch", resource, code: String(code) });
  }

  private wrap(inner: HttpLibrary): HttpLibrary {
    return wrapHttpLibrary({
      send: async (ctx: RequestContext): Promise<ResponseContext> => {
        const { verb, resource, write } = describeRequest(ctx.getHttpMethod(), ctx.getUrl(), ctx.getHeaders()["Content-Type"]);
        if (write) {
          const waited = await this.writes.acquire();
          this.metrics.apiRateLimiterWait.observe(waited / 1000);
        }
        if (!ctx.getSignal()) ctx.setSignal(AbortSignal.timeout(this.timeoutMs));
        this.reuseAgent(ctx);
        const end = this.metrics.apiRequestDuration.startTimer({ verb, resource });
        try {
          const response = await inner.send(ctx).toPromise();
          this.metrics.apiRequests.inc({ verb, resource, code: String(response.httpStatusCode) });
          return response;
        } catch (err) {
          this.metrics.apiRequests.inc({ verb, resource, code: "error" });
          throw err;
        } finally {
          end();
        }
      },
    });
  }

  private reuseAgent(ctx: RequestContext): void {
    const fresh = ctx.getAgent();
    // Only plain HTTPS agents (no proxy agents); keyed on the client certificate, which an exec
    // credential plugin may rotate.
    if (!(fresh instanceof HttpsAgent) || fresh.constructor !== HttpsAgent) return;
    const opts = fresh.options;
    const key = createHash("sha256").update(JSON.stringify([opts.cert, opts.key, opts.ca, opts.rejectUnauthorized])).digest("hex");
    if (this.agent?.key !== key) {
      this.agent?.agent.destroy();
      this.agent = { key, agent: new HttpsAgent({ ...opts, keepAlive: true, maxSockets: 32 }) };
    }
    ctx.setAgent(this.agent.agent);
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agent?.agent.destroy();
    this.agent = undefined;
  }
}
