/**
 * The REST docs page at /docs: Swagger UI served from the installed
 * swagger-ui-dist package (no CDN), reading /api/v1/openapi.json. A person
 * pastes a key under "Authorize" (Bearer or X-API-Key; kept across reloads)
 * and tries any request live; every operation shows a curl line to copy.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const dist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>personagraph REST API</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
  <style>body { margin: 0 } .topbar { display: none } .pg-note { font: 14px/1.4 sans-serif; padding: 12px 20px; background: #f4f6f8; border-bottom: 1px solid #ddd }</style>
</head>
<body>
  <div class="pg-note">Paste an API key under <b>Authorize</b> (Bearer or X-API-Key), then <b>Try it out</b> on any operation. The same data is in GraphQL at <a href="/graphql">/graphql</a>.</div>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: '/api/v1/openapi.json',
      dom_id: '#swagger-ui',
      deepLinking: true,
      persistAuthorization: true,
      tryItOutEnabled: true,
      displayRequestDuration: true,
      filter: true,
      requestSnippetsEnabled: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: 'BaseLayout',
    });
  </script>
</body>
</html>
`;

export const isDocsPath = (p: string) => p === '/docs' || p === '/docs/' || p.startsWith('/docs/');

export async function handleDocs(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'application/json; charset=utf-8' });
    return void res.end(JSON.stringify({ error: `Method ${req.method} is not allowed on ${pathname}` }));
  }
  if (pathname === '/docs' || pathname === '/docs/') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' });
    return void res.end(PAGE);
  }
  const name = pathname.slice('/docs/'.length);
  const type = ASSETS[name];
  if (!type) {
    res.writeHead(404, { 'Content-Type': 'application/json; charset=utf-8' });
    return void res.end(JSON.stringify({ error: `Nothing at ${pathname}; the docs are at /docs` }));
  }
  const body = await readFile(path.join(dist, name));
  res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' });
  res.end(req.method === 'HEAD' ? undefined : body);
}
