/**
 * Entity names: `entity_name_t` (messenger name: u8 type + s64 num, e.g. osd.3, client.4115) and
 * `EntityName` (auth identity: le32 type + string id, e.g. client.admin, mon.).
 */
import { MsgrError } from '../../errors.ts';
import type { Reader } from '../reader.ts';
import type { Writer } from '../writer.ts';

export const EntityType = {
  MON: 0x01,
  MDS: 0x02,
  OSD: 0x04,
  CLIENT: 0x08,
  MGR: 0x10,
  AUTH: 0x20,
  ANY: 0xff,
} as const;
export type EntityTypeValue = (typeof EntityType)[keyof typeof EntityType];

const TYPE_NAMES: Record<number, string> = {
  0x01: 'mon',
  0x02: 'mds',
  0x04: 'osd',
  0x08: 'client',
  0x10: 'mgr',
  0x20: 'auth',
  0xff: 'any',
};
const NAME_TYPES: Record<string, number> = Object.fromEntries(Object.entries(TYPE_NAMES).map(([k, v]) => [v, Number(k)]));

export function entityTypeName(t: number): string {
  return TYPE_NAMES[t] ?? `unknown${t}`;
}

export function entityTypeFromName(s: string): number {
  const t = NAME_TYPES[s];
  if (t === undefined) throw new MsgrError('ERR_INVALID_ARG', `unknown entity type '${s}'`);
  return t;
}

/** entity_name_t: the messenger-level name (type + number; -1 = not yet known). */
export interface EntityNameT {
  readonly type: number;
  readonly num: bigint;
}

export function encodeEntityNameT(w: Writer, n: EntityNameT): void {
  w.u8(n.type).s64(n.num);
}
export function decodeEntityNameT(r: Reader): EntityNameT {
  const type = r.u8();
  const num = r.s64();
  return { type, num };
}
export function formatEntityNameT(n: EntityNameT): string {
  return `${entityTypeName(n.type)}.${n.num}`;
}

/** EntityName: the auth identity (type + string id, e.g. client.admin). */
export interface EntityName {
  readonly type: number;
  readonly id: string;
}

export function encodeEntityName(w: Writer, n: EntityName): void {
  w.u32(n.type).string(n.id);
}
export function decodeEntityName(r: Reader): EntityName {
  const type = r.u32();
  const id = r.string();
  return { type, id };
}
export function formatEntityName(n: EntityName): string {
  return `${entityTypeName(n.type)}.${n.id}`;
}

/**
 * Parse 'osd.3', 'client.admin', 'mon.a', 'mon.' into an EntityName.
 * The id is everything after the first dot (may be empty, as in 'mon.').
 */
export function parseEntityName(s: string): EntityName {
  const dot = s.indexOf('.');
  if (dot <= 0) throw new MsgrError('ERR_INVALID_ARG', `bad entity name '${s}' (expected TYPE.ID, e.g. osd.3)`);
  return { type: entityTypeFromName(s.slice(0, dot)), id: s.slice(dot + 1) };
}

/**
 * The messenger name for an entity: numeric ids map to their number ('osd.3' → osd.3), anything
 * else (client.admin, mon.a) to -1 ("not known yet"), as Ceph does.
 */
export function entityNameTOf(n: EntityName): EntityNameT {
  const num = /^-?\d+$/.test(n.id) ? BigInt(n.id) : -1n;
  return { type: n.type, num };
}
