/**
 * Docker multiplexes stdout and stderr of a container without a TTY into frames: an 8-byte
 * header (stream type, 3 zero bytes, big-endian payload length) then the payload. This turns
 * that byte stream (or a TTY's raw stream) into whole lines per stream.
 */
import type { LogLine } from './types.js';

export async function* demuxLogLines(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  tty: boolean,
): AsyncIterable<LogLine> {
  const partial = { stdout: '', stderr: '' };
  let pending: Buffer = Buffer.alloc(0);

  function* emit(stream: 'stdout' | 'stderr', text: string): Generator<LogLine> {
    const combined = partial[stream] + text;
    const lines = combined.split('\n');
    partial[stream] = lines.pop() ?? '';
    for (const line of lines) yield { stream, line: line.replace(/\r$/, '') };
  }

  for await (const chunk of source) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (tty) {
      yield* emit('stdout', buf.toString('utf8'));
      continue;
    }
    pending = pending.length === 0 ? buf : Buffer.concat([pending, buf]);
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      const stream = pending[0] === 2 ? 'stderr' : 'stdout';
      yield* emit(stream, pending.subarray(8, 8 + size).toString('utf8'));
      pending = pending.subarray(8 + size);
    }
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    if (partial[stream] !== '') yield { stream, line: partial[stream] };
  }
}
