/**
 * The AI SDK's errors a run without tools may need (ai-sdk.ts): an answer that does not parse
 * is reported with them. A call that needs more of the SDK says so instead of failing on an
 * undefined function.
 */
import { AgentcrateError } from '../../../errors.js';

export { JSONParseError, NoObjectGeneratedError, NoOutputGeneratedError } from 'ai';

function absent(): never {
  throw new AgentcrateError(
    'E_INTERNAL',
    "this one-shot runner carries only the AI SDK's errors (its workflow has no tools), but a model call needs the whole SDK: rebuild the image with this agentcrate",
  );
}

export const generateText = absent;
export const jsonSchema = absent;
export const stepCountIs = absent;
export const Output = { object: absent, text: absent };
