/**
 * The digest a virtual key is stored and looked up by. node:crypto is loaded by the first key
 * presented, not with the gateway: one without keys never needs it.
 */
let crypto: typeof import('node:crypto') | undefined;

export function hashKey(secret: string): string {
  crypto ??= process.getBuiltinModule('node:crypto');
  return crypto.createHash('sha256').update(secret, 'utf8').digest('hex');
}
