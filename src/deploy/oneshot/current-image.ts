/**
 * `exec`'s quick look-up: the image built from this very file and these settings, found by
 * its source key (see `source-key.ts`) without loading, validating or staging the workflow.
 * `undefined` sends `exec` down the full path, which reports whatever is wrong.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { LlmOverride } from '../../models/types.js';
import type { ContainerRuntime, ImageDetails } from '../runtime/types.js';
import { currentKitDigest } from './kit/build.js';
import { checkTag, DEFAULT_ONESHOT_BASE } from './names.js';
import { LABEL_SOURCE, sourceKey } from './source-key.js';

export interface CurrentImageOptions {
  /** The workflow file (absolute). */
  file: string;
  override: LlmOverride;
  baseImage?: string | undefined;
  platform?: string | undefined;
  /** `-t`: only an image carrying this reference. */
  tag?: string | undefined;
}

export async function findCurrentImage(
  runtime: ContainerRuntime,
  opts: CurrentImageOptions,
): Promise<ImageDetails | undefined> {
  const kitDigest = currentKitDigest();
  if (kitDigest === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(opts.file, 'utf8');
  } catch {
    return undefined;
  }
  const key = sourceKey({
    text,
    extension: extname(opts.file).toLowerCase(),
    kitDigest,
    provider: opts.override.provider,
    model: opts.override.model,
    baseURL: opts.override.baseURL,
    baseImage: opts.baseImage ?? DEFAULT_ONESHOT_BASE,
    platform: opts.platform,
  });
  const wanted = opts.tag !== undefined ? checkTag(opts.tag) : undefined;
  const images = await runtime.images({ labels: { [LABEL_SOURCE]: key } });
  // The engine filters by label; checked again so a filter it ignored cannot pick another image.
  return images.find(
    (image) => image.labels[LABEL_SOURCE] === key && (wanted === undefined || image.tags.includes(wanted)),
  );
}
