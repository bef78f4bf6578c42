/**
 * MConfig (type 62): the mon's centralised configuration for this entity, map<string,string>
 * (pushed after a "config" subscription and on every change).
 * MGetConfig (type 63): EntityName name; string host; string device_class — asks for the config
 * of another entity (used by daemons before they have their own identity).
 */
import { encode } from '../encoding/writer.ts';
import { decodeEntityName, encodeEntityName, type EntityName } from '../encoding/types/entity-name.ts';
import { defineCodec, frontReader, sortedByKey } from './define-codec.ts';
import { MsgType } from './msg-types.ts';

export interface MConfig {
  /** option name → value; encoded in key order */
  config: Map<string, string>;
}

export const MConfigCodec = defineCodec<MConfig>({
  type: MsgType.CONFIG,
  name: 'MConfig',
  headVersion: 1,
  compatVersion: 1,
  encodePayload(body) {
    return {
      front: encode((w) =>
        w.map(
          sortedByKey(body.config),
          (w2, k) => w2.string(k),
          (w2, v) => w2.string(v),
        ),
      ),
    };
  },
  decodePayload(msg) {
    const r = frontReader(msg);
    const config = r.map(
      (x) => x.string(),
      (x) => x.string(),
      8,
    );
    return { config };
  },
});

export interface MGetConfig {
  name: EntityName;
  host: string;
  deviceClass: string;
}

export const MGetConfigCodec = defineCodec<MGetConfig>({
  type: MsgType.GET_CONFIG,
  name: 'MGetConfig',
  headVersion: 1,
  compatVersion: 1,
  encodePayload(body) {
    return {
      front: encode((w) => {
        encodeEntityName(w, body.name);
        w.string(body.host).string(body.deviceClass);
      }),
    };
  },
  decodePayload(msg) {
    const r = frontReader(msg);
    const name = decodeEntityName(r);
    const host = r.string();
    const deviceClass = r.string();
    return { name, host, deviceClass };
  },
});
