export { type AllowedCommand, authorizeCommand, type CommandRequest } from './check.js';
export { type CommandEntry, commandEntries, commandEntryProblems } from './entries.js';
