/** The secrets room: what counts as a secret, and the one redactor that hides it everywhere. */
export {
  createRedactor,
  isSecretName,
  REDACTED,
  type Redactor,
  type RedactorOptions,
  type RedactValueOptions,
  redactValue,
  SECRET_ENV_LIST,
  SECRET_NAME_PARTS,
  secretValues,
} from './redact.js';
