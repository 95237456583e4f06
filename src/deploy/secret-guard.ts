/**
 * The build refuses to send a context that contains any secret from the env file: an image
 * layer is forever (pushed, cached, `docker save`d), and the env file is meant to reach the
 * container only at run time. Values shorter than 6 characters are skipped because they
 * (`true`, `8000`, `info`) appear in ordinary files by coincidence.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { AgentcrateError } from '../errors.js';
import { type EnvEntry, readEnvFile } from './env-file.js';

export const MIN_SECRET_LENGTH = 6;

/** Throws `E_SECRET_IN_CONTEXT` naming the file and the variable, never the value. */
export function assertNoSecretsInContext(dir: string, envFile: string | EnvEntry[]): void {
  const entries = typeof envFile === 'string' ? readEnvFile(envFile) : envFile;
  const secrets = entries.filter((e) => e.value.length >= MIN_SECRET_LENGTH);
  if (secrets.length === 0) return;
  const needles = secrets.map((e) => ({ name: e.name, bytes: Buffer.from(e.value, 'utf8') }));
  const ignored = dockerignoreMatcher(dir);
  const envPath = typeof envFile === 'string' && existsSync(envFile) ? realpathSync(envFile) : undefined;
  for (const file of listFiles(dir)) {
    const rel = relative(dir, file).split(sep).join('/');
    // Files `docker build` never sends (the env file itself, usually) cannot leak.
    if (ignored(rel) || realpathSync(file) === envPath) continue;
    const content = readFileSync(file);
    for (const needle of needles) {
      if (content.includes(needle.bytes)) {
        throw new AgentcrateError(
          'E_SECRET_IN_CONTEXT',
          `refusing to build: the value of ${needle.name} from the env file appears in ${rel} inside the build context ${dir}; remove it from that file (secrets are passed at run time from the env file, never baked into the image)`,
          { details: { file: rel, variable: needle.name, context: dir } },
        );
      }
    }
  }
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/**
 * A deliberately small `.dockerignore` reader: `*`, `?` and `**` globs, matched against the
 * path and each of its parent directories; `!` exceptions re-include. Enough for the file we
 * generate and the usual hand edits; an unknown construct errs on the side of scanning.
 */
export function dockerignoreMatcher(dir: string): (relPath: string) => boolean {
  const file = join(dir, '.dockerignore');
  if (!existsSync(file)) return () => false;
  const rules = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, re: globToRegExp(pattern) };
    });
  return (relPath) => {
    const parts = relPath.split('/');
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of rules) {
      if (candidates.some((c) => rule.re.test(c))) ignored = !rule.negate;
    }
    return ignored;
  };
}

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
