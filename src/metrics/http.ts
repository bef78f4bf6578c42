/**
 * The optional Prometheus endpoint: `GET /metrics` on a loopback HTTP server (node:http) answers
 * the perf counters of the given messengers in the text exposition format 0.0.4, labelled
 * `{messenger="<logicalName>", entity="<type.id>"}`.
 *
 *   const srv = await startMetricsServer({ messengers: [ms], port: 9283 });
 *   // curl http://127.0.0.1:9283/metrics
 *   await srv.close();
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MsgrError } from '../errors.ts';
import { messengerSections, type PerfSource } from './messenger-perf.ts';
import { prometheusText, type PerfSection } from './perf-counters.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MessengerList = readonly PerfSource[] | (() => readonly PerfSource[]);

function list(ms: MessengerList): readonly PerfSource[] {
  return typeof ms === 'function' ? ms() : ms;
}

/** Sections of several messengers; logical names made unique (cluster, cluster-2, …). */
export function sectionsOf(ms: MessengerList): PerfSection[] {
  const seen = new Map<string, number>();
  return list(ms).flatMap((m) => {
    const n = (seen.get(m.logicalName) ?? 0) + 1;
    seen.set(m.logicalName, n);
    return messengerSections(m, n === 1 ? m.logicalName : `${m.logicalName}-${n}`);
  });
}

/** The scrape text for these messengers. */
export function metricsText(ms: MessengerList): string {
  return prometheusText(sectionsOf(ms));
}

export interface MetricsServerOptions {
  messengers: MessengerList;
  /** 0 = any free port (see `port` of the result) */
  port?: number;
  /** default 127.0.0.1 (loopback only) */
  host?: string;
}

export interface MetricsServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const host = opts.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path !== '/metrics' && path !== '/') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    let body: string;
    try {
      body = metricsText(opts.messengers);
    } catch (e) {
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${(e as Error).message}\n`);
      return;
    }
    res.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new MsgrError('ERR_INVALID_ARG', `metrics server: cannot listen on ${host}:${opts.port ?? 0}: ${e.code ?? e.message}`, { cause: e })),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
