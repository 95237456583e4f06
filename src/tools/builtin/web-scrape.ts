/**
 * `web_scrape`: fetch one page and hand the model its readable text, capped, so one large
 * page cannot flood the context window.
 */
import { z } from 'zod';
import { AgentcrateError } from '../../errors.js';
import { capText, configNumber, parseArgs } from '../args.js';
import { checkUrl, fetchFailure, guardedFetch, readBodyCapped, timeoutSignal } from '../http.js';
import type { ToolDefinition } from '../types.js';
import { htmlTitle, htmlToText } from './html-text.js';

const DEFAULT_MAX_CHARS = 20_000;
const MAX_DOWNLOAD_BYTES = 2_000_000;

const scrapeInput = z.object({
  url: z.string().min(1).describe('The http(s) URL of the page to read.'),
  max_chars: z
    .number()
    .int()
    .min(100)
    .optional()
    .describe(
      `Longest text to return (default ${DEFAULT_MAX_CHARS} characters; the tool config may lower the cap).`,
    ),
});

export const webScrapeTool: ToolDefinition = {
  name: 'web_scrape',
  aliases: [],
  description:
    'Fetch a web page (http/https) and return its readable text with scripts, styles and markup removed.',
  inputSchema: scrapeInput,
  requiredEnv: () => [],
  async run(args, ctx) {
    const input = parseArgs('web_scrape', scrapeInput, args);
    const url = checkUrl('web_scrape', input.url);
    const cap = Math.min(
      input.max_chars ?? Number.POSITIVE_INFINITY,
      configNumber(ctx.config, 'max_chars', DEFAULT_MAX_CHARS),
    );
    const timeoutMs = configNumber(ctx.config, 'timeout_seconds', 20) * 1000;
    const send = guardedFetch('web_scrape', ctx);
    let response: Response;
    try {
      response = await send(url, {
        headers: {
          accept: 'text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5',
          'user-agent': 'agentcrate',
        },
        redirect: 'follow',
        signal: timeoutSignal(ctx.signal, timeoutMs),
      });
    } catch (error) {
      throw fetchFailure('web_scrape', url.href, error, timeoutMs);
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new AgentcrateError('E_TOOL', `web_scrape: ${url.href} answered HTTP ${response.status}`, {
        details: { url: url.href, status: response.status },
      });
    }
    const type = (response.headers.get('content-type') ?? '').toLowerCase();
    const textual =
      type === '' || /^(text\/|application\/(xhtml\+xml|xml|json|[a-z.+-]*\+(json|xml)))/.test(type);
    if (!textual) {
      await response.body?.cancel().catch(() => undefined);
      throw new AgentcrateError('E_TOOL', `web_scrape: ${url.href} is '${type}', not a text page`, {
        details: { url: url.href, contentType: type },
      });
    }
    const body = await readBodyCapped(response, MAX_DOWNLOAD_BYTES);
    const isHtml = type.includes('html') || (type === '' && /<html|<body|<!doctype html/i.test(body.text));
    const content = capText(isHtml ? htmlToText(body.text) : body.text.trim(), cap);
    const title = isHtml ? htmlTitle(body.text) : undefined;
    return {
      url: response.url || url.href,
      status: response.status,
      ...(title ? { title } : {}),
      content: content.text,
      truncated: content.truncated || body.truncated,
    };
  },
};
