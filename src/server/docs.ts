/**
 * The REST docs page at /docs: Swagger UI served from the installed
 * swagger-ui-dist package (no CDN), reading /api/v1/openapi.json. A person
 * pastes a key under "Authorize" (Bearer or X-API-Key; kept across reloads)
 * and tries any request live; every operation shows a curl line to copy.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { serveAsset, StaticAsset } from './static-assets.js';

const dist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const TYPES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

interface Docs {
  page: StaticAsset;
  /** By URL path: each file under its content-hashed name (immutable) and its plain name (revalidated). */
  hashed: Map<string, StaticAsset>;
  plain: Map<string, StaticAsset>;
}

const page = (url: (name: string) => string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>personagraph REST API</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="${url('swagger-ui.css')}">
  <link rel="icon" type="image/png" href="${url('favicon-32x32.png')}">
  <style>body { margin: 0 } .topbar { display: none } .pg-note { font: 14px/1.4 sans-serif; padding: 12px 20px; background: #f4f6f8; border-bottom: 1px solid #ddd }</style>
</head>
<body>
  <div class="pg-note">Paste an API key under <b>Authorize</b> (Bearer or X-API-Key), then <b>Try it out</b> on any operation. The same data is in GraphQL at <a href="/graphql">/graphql</a>.</div>
  <div id="swagger-ui"></div>
  <script src="${url('swagger-ui-bundle.js')}"></script>
  <script src="${url('swagger-ui-standalone-preset.js')}"></script>
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

/** Read once, on the first docs request (2 MB of files a server that nobody browses never reads). */
let docs: Docs | null = null;
function load(): Docs {
  if (docs) return docs;
  const files = Object.entries(TYPES).map(([name, type]) => new StaticAsset('/docs', name, type, readFileSync(path.join(dist, name))));
  const byName = new Map(files.map((f) => [f.name, f]));
  return (docs = {
    page: new StaticAsset('/docs', 'index.html', 'text/html; charset=utf-8', Buffer.from(page((name) => byName.get(name)!.url))),
    hashed: new Map(files.map((f) => [f.url, f])),
    plain: new Map(files.map((f) => [`/docs/${f.name}`, f])),
  });
}

export const isDocsPath = (p: string) => p === '/docs' || p === '/docs/' || p.startsWith('/docs/');

/** The page and its files with their URLs (tests, size figures). */
export function docsFiles(): { page: StaticAsset; assets: StaticAsset[] } {
  const d = load();
  return { page: d.page, assets: [...d.hashed.values()] };
}

export async function handleDocs(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const d = load();
  if (pathname === '/docs' || pathname === '/docs/') return serveAsset(req, res, d.page, 'revalidate');
  const hashed = d.hashed.get(pathname);
  if (hashed) return serveAsset(req, res, hashed, 'immutable');
  // The plain names (what the page linked to before the files had hashed names) still answer, revalidated.
  const plain = d.plain.get(pathname);
  if (plain) return serveAsset(req, res, plain, 'revalidate');
  if (req.method !== 'GET' && req.method !== 'HEAD') return serveAsset(req, res, d.page, 'revalidate'); // 405
  res.writeHead(404, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ error: `Nothing at ${pathname}; the docs are at /docs` }));
}
