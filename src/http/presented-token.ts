/**
 * The API key a request presents, read the same way by every server that checks one (the
 * workflow server, the gateway, the studio's bearer fallback): `Authorization: Bearer <token>`
 * first, then `X-API-Key`.
 */

/** The token from `Authorization: Bearer <token>`, or from `X-API-Key`. */
export function presentedToken(
  authorization: string | undefined,
  apiKeyHeader: string | undefined,
): string | undefined {
  if (authorization !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return match[1]!.trim();
  }
  return apiKeyHeader?.trim() || undefined;
}
