/** What a `--store` value names: a PostgreSQL URL or a SQLite file, and how to show it. */

/** `postgres://…` or `postgresql://…`. */
export function isPostgresLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location.trim());
}

/** The location as it may be shown in messages and logs: a URL's password masked. */
export function storeLabel(location: string): string {
  if (!isPostgresLocation(location)) return location;
  try {
    const url = new URL(location.trim());
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return location.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
  }
}
