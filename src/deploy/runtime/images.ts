/** Images through the Engine API: one by reference, or all carrying some labels. */
import type Docker from 'dockerode';
import { engineError, statusOf } from './engine-errors.js';
import type { ImageDetails } from './types.js';

export async function imageDetails(docker: Docker, ref: string): Promise<ImageDetails | undefined> {
  try {
    const image = await docker.getImage(ref).inspect();
    return {
      id: image.Id,
      tags: image.RepoTags ?? [],
      labels: image.Config?.Labels ?? {},
      size: image.Size,
      created: new Date(image.Created),
      architecture: image.Architecture,
      layers: image.RootFS?.Layers ?? [],
    };
  } catch (cause) {
    if (statusOf(cause) === 404) return undefined;
    throw engineError(`inspecting image ${ref} failed`, cause);
  }
}

export async function listImages(docker: Docker, labels: Record<string, string>): Promise<ImageDetails[]> {
  const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  let list: Docker.ImageInfo[];
  try {
    list = await docker.listImages(label.length > 0 ? { filters: JSON.stringify({ label }) } : {});
  } catch (cause) {
    throw engineError('listing images failed', cause);
  }
  return list.map((image) => ({
    id: image.Id,
    tags: (image.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
    labels: image.Labels ?? {},
    size: image.Size,
    created: new Date(image.Created * 1000),
  }));
}
