/**
 * The client's cephx tickets, one per service (AUTH, MON, OSD, MGR, MDS) — Ceph's
 * CephXTicketManager. Kept on the AuthClient so later connections can build authorizers.
 * Times are ms from the injected clock.
 */
import { Buffer } from 'node:buffer';
import { utimeToMs, type UTime } from '../../encoding/types/utime.ts';
import type { ServiceTicketGrant, TicketBlob } from './cephx-structs.ts';

export interface CephxTicket {
  serviceId: number;
  /** the 16-byte session key secret for this service */
  sessionKey: Buffer;
  sessionKeyCreated: UTime;
  ticket: TicketBlob;
  /** validity in ms as granted */
  validityMs: number;
  /** when the ticket was received, its expiry, and when to renew (3/4 of the validity) — ms */
  obtainedAt: number;
  expiresAt: number;
  renewAfter: number;
  /** global_id to declare in authorizers built from this ticket */
  globalId: bigint;
}

/** Service bits in the order Ceph walks them (1, 2, 4, … up to the mask). */
function bits(mask: number): number[] {
  const out: number[] = [];
  for (let b = 1; b <= mask && b !== 0; b = (b << 1) >>> 0) if (mask & b) out.push(b);
  return out;
}

export class CephxTicketStore {
  private readonly tickets = new Map<number, CephxTicket>();

  get(serviceId: number): CephxTicket | undefined {
    return this.tickets.get(serviceId);
  }

  set(t: CephxTicket): void {
    this.tickets.set(t.serviceId, t);
  }

  delete(serviceId: number): void {
    this.tickets.delete(serviceId);
  }

  clear(): void {
    this.tickets.clear();
  }

  services(): number[] {
    return [...this.tickets.keys()].sort((a, b) => a - b);
  }

  /** Store grants from a service ticket reply received at `now`. */
  apply(grants: readonly ServiceTicketGrant[], now: number, globalId: bigint): void {
    for (const g of grants) {
      const validityMs = utimeToMs(g.validity);
      // Ceph: expires = now + validity; renew_after = expires - validity.sec/4
      const expiresAt = now + validityMs;
      const renewAfter = expiresAt - (g.validity.sec * 1000) / 4;
      this.tickets.set(g.serviceId, {
        serviceId: g.serviceId,
        sessionKey: Buffer.from(g.sessionKey.secret),
        sessionKeyCreated: g.sessionKey.created,
        ticket: { secretId: g.ticket.secretId, blob: Buffer.from(g.ticket.blob) },
        validityMs,
        obtainedAt: now,
        expiresAt,
        renewAfter,
        globalId,
      });
    }
  }

  /** A usable (unexpired) ticket for the service. */
  have(serviceId: number, now: number): boolean {
    const t = this.tickets.get(serviceId);
    return t !== undefined && now < t.expiresAt;
  }

  /** Missing, or past its renew-after point. */
  needs(serviceId: number, now: number): boolean {
    const t = this.tickets.get(serviceId);
    return t === undefined || now >= t.renewAfter;
  }

  /** The subset of `mask` (service bits) that needs a (new) ticket at `now`. */
  needMask(mask: number, now: number): number {
    let need = 0;
    for (const b of bits(mask)) if (this.needs(b, now)) need |= b;
    return need >>> 0;
  }

  /** The subset of `mask` with a usable ticket at `now`. */
  haveMask(mask: number, now: number): number {
    let have = 0;
    for (const b of bits(mask)) if (this.have(b, now)) have |= b;
    return have >>> 0;
  }
}
