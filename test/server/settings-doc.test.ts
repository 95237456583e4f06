/** docs/server.md shows the server settings table as the code declares it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SERVER_SETTINGS } from '../../src/server/settings.js';
import { settingsMarkdown } from '../../src/settings/index.js';

describe('server settings in the docs', () => {
  it('docs/server.md holds the generated table between its markers', () => {
    const doc = readFileSync(new URL('../../docs/server.md', import.meta.url), 'utf8');
    const block = /<!-- settings:start[^>]*-->\n([\s\S]*?)\n<!-- settings:end -->/.exec(doc)?.[1];
    expect(block, 'docs/server.md has no settings block').toBeDefined();
    // On a mismatch, paste settingsMarkdown(SERVER_SETTINGS) between the markers.
    expect(block).toBe(settingsMarkdown(SERVER_SETTINGS));
  });
});
