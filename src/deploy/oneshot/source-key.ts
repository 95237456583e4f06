/**
 * The source key: what an image was built *from* — the workflow file's text, the build's
 * settings (model override, base image, platform) and the runner kit — as one digest, baked
 * into the image as a label. `exec` computes it from the file alone (no YAML parsing, no
 * validation, no staging) and asks the engine for an image carrying it: found, the image is
 * current and runs at once; not found (edited file, other settings, another agentcrate, the
 * image removed), `exec` takes the full path that validates, stages and builds.
 *
 * Sound because everything the content hash covers follows from these inputs: the workflow
 * is read from this one file (no includes, no environment), and the kit digest names every
 * runner file. Two texts giving the same content (a comment changed) share one image, which
 * carries the first text's key; the second text then takes the full path, which finds the
 * image current and runs it.
 */
import { VERSION } from '../../version.js';
import { contentDigest } from './digest.js';

export const LABEL_SOURCE = 'io.agentcrate.oneshot.source';
/**
 * The workflow's warnings when the image was built (JSON, without the file's path): `exec`
 * finds an image by its source key without loading the workflow, and prints them from here, so
 * a warning is not seen once at build time and never again.
 */
export const LABEL_WARNINGS = 'io.agentcrate.oneshot.warnings';
/**
 * Bump when what the key covers changes, or when the image made from the same parts changes
 * (2: the runner's node flags in the Dockerfile), so that older images are rebuilt.
 */
const SOURCE_KEY_FORMAT = '2';

export interface SourceKeyParts {
  /** The workflow file's text, as the loader reads it. */
  text: string;
  /** Its extension, lower case: `.json` is read as JSON, the others as YAML. */
  extension: string;
  /** The kit manifest's digest. */
  kitDigest: string;
  provider?: string | undefined;
  model?: string | undefined;
  baseURL?: string | undefined;
  baseImage: string;
  platform?: string | undefined;
}

export function sourceKey(parts: SourceKeyParts): string {
  return contentDigest([
    SOURCE_KEY_FORMAT,
    VERSION,
    parts.kitDigest,
    parts.baseImage,
    parts.platform ?? '',
    // Unset and empty differ: an empty --model is an error the full path reports.
    JSON.stringify([parts.provider ?? null, parts.model ?? null, parts.baseURL ?? null]),
    parts.extension,
    parts.text,
  ]);
}
