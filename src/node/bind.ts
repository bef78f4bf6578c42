/**
 * Ceph's bind logic (Processor::bind): for each address of the vector, listen on the given port,
 * or with port 0 search ms_bind_port_min..ms_bind_port_max skipping the ports to avoid (and
 * those already taken by earlier addresses of the same vector). A fixed port in use is retried
 * ms_bind_retry_count times.
 */
import type { EntityAddr } from '../encoding/types/entity-addr.ts';
import { MsgrError } from '../errors.ts';
import type { Listener, Sock } from './env.ts';
import type { Messenger } from './messenger.ts';

/** `listenAddr` tells which listener accepted (its type selects msgr2 or msgr1) */
type OnAccept = (sock: Sock, local: EntityAddr | undefined, peer: EntityAddr, listenAddr: EntityAddr) => void;

function inUse(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === 'EADDRINUSE' || code === 'EACCES';
}

export async function bindAddrs(
  m: Messenger,
  want: readonly EntityAddr[],
  avoid: ReadonlySet<number>,
  onAccept: OnAccept,
): Promise<{ listeners: Listener[]; addrs: EntityAddr[] }> {
  const cfg = m.config;
  const listeners: Listener[] = [];
  const addrs: EntityAddr[] = [];
  const taken = new Set<number>(avoid);
  try {
    for (const a of want) {
      if (a.port !== 0) {
        let last: unknown;
        let l: Listener | undefined;
        for (let i = 0; i <= cfg.ms_bind_retry_count && !l; i++) {
          try {
            l = await m.env.net.listen(a, (s, lo, pe) => onAccept(s, lo, pe, a));
          } catch (e) {
            last = e;
            if (!inUse(e)) break;
          }
        }
        if (!l) throw new MsgrError('ERR_BIND', `unable to bind to ${a.ip}:${a.port}: ${(last as Error)?.message ?? last}`, { cause: last });
        listeners.push(l);
        addrs.push(l.addr);
        taken.add(l.addr.port);
        continue;
      }
      let bound: Listener | undefined;
      let lastErr: unknown;
      for (let port = cfg.ms_bind_port_min; port <= cfg.ms_bind_port_max && !bound; port++) {
        if (taken.has(port)) continue;
        try {
          bound = await m.env.net.listen({ ...a, port }, (s, lo, pe) => onAccept(s, lo, pe, a));
        } catch (e) {
          lastErr = e;
          if (!inUse(e)) break;
        }
      }
      if (!bound) {
        throw new MsgrError(
          'ERR_BIND',
          `unable to bind to ${a.ip || '*'} on any port in range ${cfg.ms_bind_port_min}-${cfg.ms_bind_port_max}: ${(lastErr as Error)?.message ?? 'all ports in use or avoided'}`,
          { cause: lastErr },
        );
      }
      listeners.push(bound);
      addrs.push(bound.addr);
      taken.add(bound.addr.port);
    }
  } catch (e) {
    for (const l of listeners) await l.close();
    throw e;
  }
  return { listeners, addrs };
}
