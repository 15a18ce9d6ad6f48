import { errors, type Adapter, type AdapterFactory } from 'oidc-provider';
import { AlreadyConsumedError } from './types.js';

/**
 * Makes a lost race to consume a record (a code redeemed, a refresh token
 * rotated) the OAuth error it is: `400 invalid_grant`, and the grant behind
 * it revoked, as oidc-provider does for a replay it sees in sequence. Two
 * redemptions of one code at the same moment mean the code leaked, so the
 * winner's tokens die too (RFC 6749 §4.1.2: a reused code SHOULD revoke what
 * it issued).
 *
 * @example
 * ```ts
 * new Provider(issuer, { adapter: consumeOnce(createStore(config.authority)) });
 * ```
 */
export function consumeOnce(factory: AdapterFactory): AdapterFactory {
  return function adapterFor(name: string): Adapter {
    const inner = factory(name);
    return {
      upsert: (id, payload, expiresIn) => inner.upsert(id, payload, expiresIn),
      find: (id) => inner.find(id),
      findByUid: (uid) => inner.findByUid(uid),
      findByUserCode: (userCode) => inner.findByUserCode(userCode),
      async consume(id) {
        try {
          await inner.consume(id);
        } catch (err) {
          if (!(err instanceof AlreadyConsumedError)) throw err;
          const grantId = (await inner.find(id))?.grantId;
          if (typeof grantId === 'string') await revokeGrant(factory, grantId);
          throw new errors.InvalidGrant(`${describe(name)} already used`);
        }
      },
      destroy: (id) => inner.destroy(id),
      revokeByGrantId: (grantId) => inner.revokeByGrantId(grantId),
    };
  };
}

/** Every token of the grant, and the grant itself (the gate's live-grant check then refuses its access tokens). */
async function revokeGrant(factory: AdapterFactory, grantId: string): Promise<void> {
  await Promise.all(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest'].map((model) => factory(model).revokeByGrantId(grantId)));
  await factory('Grant').destroy(grantId);
}

function describe(model: string): string {
  if (model === 'AuthorizationCode') return 'authorization code';
  if (model === 'RefreshToken') return 'refresh token';
  return model;
}
