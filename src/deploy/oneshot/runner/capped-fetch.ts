/**
 * The runner's model transport: `web-fetch.ts`'s fetch over `node:http` (the image carries no
 * undici: the bundled package alone would be about a megabyte, and Node's own costs its start
 * the most), with the same cap on an answer's size as every agentcrate process
 * (`AGENTCRATE_MAX_MODEL_ANSWER_BYTES`, default 8 MiB, counted after decompression). The
 * caller's signal stops the body too.
 */
import { AgentcrateError } from '../../../errors.js';
import { readAnswerCap } from '../../../models/client.js';
import { RunnerResponse, RunnerTransformStream, runnerFetch } from './web-fetch.js';

export const DEFAULT_MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/** The cap every agentcrate process applies (`models/client.ts` reads the variable). */
export function answerCap(env: Record<string, string | undefined>): number {
  return readAnswerCap(env) ?? DEFAULT_MAX_ANSWER_BYTES;
}

export function cappedFetch(
  maxBytes: number,
  base: typeof fetch = runnerFetch,
  onFirstRequest?: () => void,
): typeof fetch {
  let first = onFirstRequest;
  return async (input, init) => {
    if (first !== undefined) {
      first();
      first = undefined;
    }
    const response = await base(input, init);
    const body = response.body;
    if (body === null) return response;
    let seen = 0;
    // The package's streams, as its body is: Node's web streams would be loaded for this alone.
    const capped = body.pipeThrough(
      new RunnerTransformStream<Uint8Array, Uint8Array>({
        transform(chunk: Uint8Array, controller: TransformStreamDefaultController<Uint8Array>) {
          seen += chunk.byteLength;
          if (seen > maxBytes) {
            controller.error(
              new AgentcrateError(
                'E_MODEL',
                `the model's answer exceeded ${maxBytes} bytes (AGENTCRATE_MAX_MODEL_ANSWER_BYTES); it was cut off`,
              ),
            );
            return;
          }
          controller.enqueue(chunk);
        },
      }),
    );
    return new RunnerResponse(capped as unknown as ConstructorParameters<typeof RunnerResponse>[0], {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    }) as unknown as Response;
  };
}
