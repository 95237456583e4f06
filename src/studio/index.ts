/** The studio room: a local web page to write, run, replay and deploy workflows. */
export { createStudioApp, type StudioApp, type StudioOptions } from './app.js';
export type { DeployHooks, StudioContext } from './context.js';
export { accessGuards, newAccessToken } from './security.js';
export { type RunningStudio, type StartStudioOptions, startStudio } from './serve.js';
export { resolveStudioSettings, STUDIO_SETTINGS, type StudioSettings } from './settings.js';
