/**
 * Several auth methods behind one AuthClient / AuthServer (Ceph's AuthRegistry: e.g. clients
 * accept "cephx, none"). Methods are offered in the order of the parts; each method is served
 * by the first part that lists it.
 */
import { MsgrError } from '../../errors.ts';
import type { AuthClient, AuthClientHandler, AuthServer, AuthServerHandler } from './types.ts';

function uniq(xs: readonly number[]): number[] {
  return [...new Set(xs)];
}

export function combineAuthClients(...parts: AuthClient[]): AuthClient {
  const owner = (peerType: number, method: number): AuthClient | undefined => parts.find((p) => p.methods(peerType).includes(method));
  return {
    methods: (peerType) => uniq(parts.flatMap((p) => p.methods(peerType))),
    modes: (peerType, method) => owner(peerType, method)?.modes(peerType, method) ?? [],
    start: (method, peerType, opts): AuthClientHandler => {
      const p = owner(peerType, method);
      if (!p) throw new MsgrError('ERR_AUTH_BAD_METHOD', `no auth client for method ${method}`);
      return p.start(method, peerType, opts);
    },
  };
}

export function combineAuthServers(...parts: AuthServer[]): AuthServer {
  const owner = (peerType: number, method: number): AuthServer | undefined => parts.find((p) => p.allowedMethods(peerType).includes(method));
  return {
    allowedMethods: (peerType) => uniq(parts.flatMap((p) => p.allowedMethods(peerType))),
    allowedModes: (peerType, method) => owner(peerType, method)?.allowedModes(peerType, method) ?? [],
    start: (method, peerType): AuthServerHandler => {
      const p = owner(peerType, method);
      if (!p) throw new MsgrError('ERR_AUTH_BAD_METHOD', `no auth server for method ${method}`);
      return p.start(method, peerType);
    },
  };
}
