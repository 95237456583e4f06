/** The built-in tools, in the order the docs list them. */
import type { ToolDefinition } from '../types.js';
import { dataframeToCsvTool } from './dataframe-csv.js';
import { envVarsTool } from './env-vars.js';
import { fileGlobTool, fileMoveTool, fileReadTool, fileWriteTool } from './file-tools.js';
import { httpClientTool } from './http-client.js';
import { jsonParseTool, yamlParseTool } from './parse-tools.js';
import { processTool } from './process.js';
import { serperSearchTool, webSearchTool } from './search.js';
import { shellTool } from './shell.js';
import { sqlQueryTool } from './sql-query.js';
import { webScrapeTool } from './web-scrape.js';

export const BUILTIN_TOOLS: readonly ToolDefinition[] = [
  serperSearchTool,
  webSearchTool,
  webScrapeTool,
  httpClientTool,
  fileReadTool,
  fileWriteTool,
  fileGlobTool,
  fileMoveTool,
  sqlQueryTool,
  dataframeToCsvTool,
  jsonParseTool,
  yamlParseTool,
  envVarsTool,
  shellTool,
  processTool,
];
