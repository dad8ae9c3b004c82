// The process's Prometheus metrics (issue 20, docs/operations.md#metrics): one registry per
// runtime, and one surface through which the job queue, the HTTP app, the Google client and
// the backup writer report what they did. Nobody imports prom-client but this file, so a
// module never reaches into another's internals to count something.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Jobs waiting or running of one kind, as the queue reports them (JobQueue.depths). */
export interface JobDepth {
  name: string;
  created: number;
  retry: number;
  active: number;
}

export interface Metrics {
  /** `text/plain; version=0.0.4` (Prometheus text exposition format). */
  readonly contentType: string;
  /** Every metric in the text format; the job gauges are read from the queue now. */
  render(): Promise<string>;
  /** Where the job gauges come from (the queue's table; read at each scrape). */
  watchJobs(depths: () => Promise<readonly JobDepth[]>): void;
  jobFinished(kind: string, outcome: 'completed' | 'failed', seconds: number): void;
  /** One answer (or network failure: status 0) from a Google API. */
  googleCall(api: string, status: number): void;
  /** A Google request waited for a quota bucket or a concurrency slot. */
  quotaWait(api: string, bucket: string, seconds: number): void;
  /** Item versions a backup committed, with their bytes. */
  itemsStored(items: number, bytes: number): void;
  /** A whole pack written to a repository's storage. */
  packWritten(bytes: number): void;
  /** `route` is the route's pattern (`/api/customers/:customerId`), never the URL asked for. */
  httpRequest(method: string, route: string, status: number, seconds: number): void;
}

/** Seconds: from a quick job (housekeeping) to a mailbox's first backup (hours). */
const jobBuckets = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600];
const httpBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  // Node's own (CPU, memory, event-loop lag, handles) under their usual process_/nodejs_ names.
  collectDefaultMetrics({ register: registry });

  let depths: (() => Promise<readonly JobDepth[]>) | null = null;
  new Gauge({
    name: 'safehold_jobs',
    help: 'Jobs waiting (created, retry) or running (active), by kind.',
    labelNames: ['kind', 'state'],
    registers,
    async collect() {
      this.reset();
      if (!depths) return;
      for (const depth of await depths()) {
        for (const state of ['created', 'retry', 'active'] as const) {
          this.set({ kind: depth.name, state }, depth[state]);
        }
      }
    },
  });
  const jobDuration = new Histogram({
    name: 'safehold_job_duration_seconds',
    help: 'Time a job handler ran in this process, by kind and outcome (completed or failed).',
    labelNames: ['kind', 'outcome'],
    buckets: jobBuckets,
    registers,
  });
  const googleRequests = new Counter({
    name: 'safehold_google_requests_total',
    help: 'Requests answered by a Google API (each attempt), by API and HTTP status (0: no answer).',
    labelNames: ['api', 'status'],
    registers,
  });
  const quotaWaits = new Counter({
    name: 'safehold_google_quota_waits_total',
    help: 'Times a Google request waited for quota, by API and bucket (user, project, concurrency).',
    labelNames: ['api', 'bucket'],
    registers,
  });
  const quotaWaitSeconds = new Counter({
    name: 'safehold_google_quota_wait_seconds_total',
    help: 'Seconds Google requests spent waiting for quota, by API and bucket.',
    labelNames: ['api', 'bucket'],
    registers,
  });
  const itemsStored = new Counter({
    name: 'safehold_backup_items_stored_total',
    help: 'Item versions recorded by backups (new and changed items).',
    registers,
  });
  const bytesStored = new Counter({
    name: 'safehold_backup_bytes_stored_total',
    help: 'Bytes of the item versions recorded by backups (before deduplication and compression).',
    registers,
  });
  const packWrites = new Counter({
    name: 'safehold_repository_pack_writes_total',
    help: 'Packs written to repository storage.',
    registers,
  });
  const packBytes = new Counter({
    name: 'safehold_repository_pack_bytes_total',
    help: 'Bytes of the packs written to repository storage (compressed and encrypted).',
    registers,
  });
  const httpDuration = new Histogram({
    name: 'safehold_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: httpBuckets,
    registers,
  });

  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    watchJobs(source) {
      depths = source;
    },
    jobFinished(kind, outcome, seconds) {
      jobDuration.observe({ kind, outcome }, seconds);
    },
    googleCall(api, status) {
      googleRequests.inc({ api, status: String(status) });
    },
    quotaWait(api, bucket, seconds) {
      quotaWaits.inc({ api, bucket });
      quotaWaitSeconds.inc({ api, bucket }, seconds);
    },
    itemsStored(items, bytes) {
      itemsStored.inc(items);
      bytesStored.inc(bytes);
    },
    packWritten(bytes) {
      packWrites.inc();
      packBytes.inc(bytes);
    },
    httpRequest(method, route, status, seconds) {
      httpDuration.observe({ method, route, status: String(status) }, seconds);
    },
  };
}
