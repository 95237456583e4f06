/**
 * Image builds and pushes over the Engine API: the engine streams JSON lines, whose steps
 * become progress and whose errors (sent after a 200) become `E_RUNTIME` saying where.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { AgentcrateError } from '../../errors.js';
import { engineError } from './engine-errors.js';
import type { BuildOptions, PushOptions } from './types.js';

export async function buildImage(docker: Docker, opts: BuildOptions): Promise<{ imageId: string }> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const bytes = opts.files.reduce((sum, f) => sum + sizeOf(join(opts.contextDir, f)), 0);
  opts.onProgress?.({
    step: 0,
    message: `sending build context (${bytes} bytes)`,
    bytes,
    elapsedMs: elapsed(),
  });

  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.buildImage(
      { context: opts.contextDir, src: opts.files },
      {
        t: opts.tag,
        rm: true,
        forcerm: true,
        ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
      },
    );
  } catch (cause) {
    throw engineError(`building ${opts.tag} failed`, cause);
  }

  let step = 0;
  let total: number | undefined;
  let stepMessage = '';
  let imageId: string | undefined;
  const tail: string[] = [];
  for await (const event of jsonLines(stream as Readable)) {
    const error = typeof event.error === 'string' ? event.error : event.errorDetail?.message;
    if (typeof error === 'string') {
      const at = step > 0 ? ` at step ${step}${total ? `/${total}` : ''} (${stepMessage})` : '';
      throw new AgentcrateError('E_RUNTIME', `image build failed${at}: ${error.trim()}`, {
        details: { step, total, instruction: stepMessage, output: tail.slice(-20) },
      });
    }
    const id = event.aux?.ID;
    if (typeof id === 'string') imageId = id;
    if (typeof event.stream === 'string') {
      for (const raw of event.stream.split('\n')) {
        const line = raw.trimEnd();
        if (line === '') continue;
        tail.push(line);
        // Classic builder and Podman: "Step 2/9 : COPY ..." / "STEP 2/9: COPY ...".
        const m = /^step\s+(\d+)\/(\d+)\s*:\s*(.*)$/i.exec(line);
        if (m) {
          step = Number(m[1]);
          total = Number(m[2]);
          stepMessage = m[3] ?? '';
          opts.onProgress?.({ step, total, message: stepMessage, elapsedMs: elapsed() });
        } else {
          const built = /^Successfully built ([0-9a-f]+)/.exec(line);
          if (built) imageId ??= built[1];
        }
      }
    }
  }
  try {
    const image = await docker.getImage(opts.tag).inspect();
    imageId = image.Id;
  } catch (cause) {
    throw engineError(`the build finished but image ${opts.tag} is missing`, cause);
  }
  opts.onProgress?.({ step: total ?? step, total, message: `built ${opts.tag}`, elapsedMs: elapsed() });
  return { imageId };
}

export async function pushImage(
  docker: Docker,
  repo: string,
  tag: string,
  opts: PushOptions = {},
): Promise<{ digest?: string }> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const ref = `${repo}:${tag}`;
  // The engine insists on an X-Registry-Auth header even for anonymous pushes (it answers
  // "missing X-Registry-Auth: EOF" otherwise), so an empty auth config is still sent.
  const authconfig = opts.auth ?? {};
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.getImage(repo).push({ tag, authconfig })) as NodeJS.ReadableStream;
  } catch (cause) {
    throw engineError(`pushing ${ref} failed`, cause);
  }
  let digest: string | undefined;
  const lastStatus = new Map<string, string>();
  let lastBytesEvent = 0;
  // The engine answers 200 and then reports failures inside the stream, so every line is checked.
  for await (const event of jsonLines(stream as Readable)) {
    const error = typeof event.error === 'string' ? event.error : event.errorDetail?.message;
    if (typeof error === 'string') {
      throw new AgentcrateError('E_RUNTIME', `pushing ${ref} failed: ${error.trim()}`, {
        details: { reference: ref },
      });
    }
    const auxDigest = event.aux?.Digest;
    if (typeof auxDigest === 'string') digest = auxDigest;
    const status = typeof event.status === 'string' ? event.status : undefined;
    if (status === undefined) continue;
    const m = /digest: (sha256:[0-9a-f]{64})/.exec(status);
    if (m) digest ??= m[1];
    const layer = event.id;
    const current = event.progressDetail?.current;
    const total = event.progressDetail?.total;
    if (layer !== undefined && current !== undefined) {
      // Byte counters arrive many times a second; a few a second are enough to show movement.
      if (performance.now() - lastBytesEvent < 500) continue;
      lastBytesEvent = performance.now();
    } else if (layer !== undefined) {
      if (lastStatus.get(layer) === status) continue;
      lastStatus.set(layer, status);
    }
    opts.onProgress?.({
      message: layer !== undefined ? `${layer}: ${status}` : status,
      ...(layer !== undefined ? { layer } : {}),
      ...(current !== undefined ? { current } : {}),
      ...(total !== undefined ? { total } : {}),
      elapsedMs: elapsed(),
    });
  }
  return digest !== undefined ? { digest } : {};
}

interface BuildEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string; Digest?: string };
  /** Push (and pull) streams: per-layer status and byte counters. */
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
}

async function* jsonLines(stream: Readable): AsyncIterable<BuildEvent> {
  let buf = '';
  for await (const chunk of stream) {
    buf += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    let nl = buf.indexOf('\n');
    while (nl !== -1) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line !== '') yield parseEvent(line);
      nl = buf.indexOf('\n');
    }
  }
  if (buf.trim() !== '') yield parseEvent(buf.trim());
}

function parseEvent(line: string): BuildEvent {
  try {
    return JSON.parse(line) as BuildEvent;
  } catch {
    return { stream: line };
  }
}

function sizeOf(path: string): number {
  try {
    const st = statSync(path);
    if (!st.isDirectory()) return st.size;
    return 0;
  } catch {
    return 0;
  }
}
