/**
 * Prometheus metrics (prom-client), one registry per app so that several
 * apps in one process (tests) never mix their numbers. Served at /metrics.
 *
 *   http_requests_total{method,route,status}        every HTTP request, by route pattern
 *   http_request_duration_seconds{method,route}      its latency
 *   graphql_operations_total{operation,type,outcome} every executed operation (type: query|mutation|subscription)
 *   graphql_operation_duration_seconds{operation,type}
 *   graphql_subscriptions_active                     subscriptions streaming now (HTTP/SSE and websocket)
 *   websocket_connections                            open graphql-ws sockets
 *   jobs{kind,status}                                durable jobs in the table (queue depth: status="queued")
 *   job_attempts_total{kind,outcome}                 attempts run by this process (outcome: succeeded|retried|failed|deferred)
 *   jobs_dead                                        jobs given up (failed) in the table
 *   chat_tokens_total{direction}                     chat tokens through this process (prompt|completion)
 * plus the default Node.js process metrics (CPU, memory, event-loop lag, GC).
 */
import type { ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PrismaClient } from './db/client.js';

const routes = new WeakMap<ServerResponse, string>();

export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({ name: 'http_requests_total', help: 'HTTP requests by method, route pattern and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern',
    labelNames: ['method', 'route'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly graphqlOperations = new Counter({ name: 'graphql_operations_total', help: 'Executed GraphQL operations', labelNames: ['operation', 'type', 'outcome'], registers: [this.registry] });
  readonly graphqlDuration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'GraphQL execution time by operation name and type',
    labelNames: ['operation', 'type'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly subscriptions = new Gauge({ name: 'graphql_subscriptions_active', help: 'GraphQL subscriptions streaming now', registers: [this.registry] });
  readonly jobAttempts = new Counter({ name: 'job_attempts_total', help: 'Job attempts run by this process', labelNames: ['kind', 'outcome'], registers: [this.registry] });
  readonly chatTokens = new Counter({ name: 'chat_tokens_total', help: 'Chat tokens through this process', labelNames: ['direction'], registers: [this.registry] });

  /** Set by the HTTP server once its websocket server exists. */
  websocketConnections: () => number = () => 0;

  constructor(opts: { prisma: PrismaClient }) {
    collectDefaultMetrics({ register: this.registry });
    const sockets = () => this.websocketConnections();
    new Gauge({
      name: 'websocket_connections',
      help: 'Open graphql-ws sockets',
      registers: [this.registry],
      collect() {
        this.set(sockets());
      },
    });
    // Read at scrape time from the shared table, so every process reports the same queue.
    const dead = new Gauge({ name: 'jobs_dead', help: 'Jobs given up after their last attempt', registers: [this.registry] });
    new Gauge({
      name: 'jobs',
      help: 'Durable jobs in the table by kind and status',
      labelNames: ['kind', 'status'],
      registers: [this.registry],
      async collect() {
        const rows = await opts.prisma.job.groupBy({ by: ['kind', 'status'], _count: { _all: true } });
        this.reset();
        let failed = 0;
        for (const r of rows) {
          this.set({ kind: r.kind, status: r.status }, r._count._all);
          if (r.status === 'failed') failed += r._count._all;
        }
        dead.set(failed);
      },
    });
  }

  /** The route pattern a request matched (set by the REST router), for labels without ids in them. */
  static setRoute(res: ServerResponse, pattern: string): void {
    routes.set(res, pattern);
  }

  observeRequest(method: string, res: ServerResponse, fallbackRoute: string, seconds: number): void {
    const route = routes.get(res) ?? fallbackRoute;
    this.httpRequests.inc({ method, route, status: String(res.statusCode) });
    this.httpDuration.observe({ method, route }, seconds);
  }
}
