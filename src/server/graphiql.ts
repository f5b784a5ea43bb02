/**
 * The GraphiQL page at GET /graphql (for browsers), built from the installed
 * @graphql-yoga/render-graphiql package (no CDN) but not inlined as that
 * package renders it (9 MB of HTML on every view): its script, styles, icon
 * and the three Monaco editor workers are separate files under /graphiql/ with
 * content-hashed names, compressed once and cached by browsers for good
 * (src/server/static-assets.ts); the page itself is a few KB, revalidated.
 *
 * The page runs no operation without a key: GraphiQL fetches the schema when
 * it opens, and a small script in front of `fetch` answers any request to
 * /graphql that carries no usable key (none, or the `<your API key>`
 * placeholder) itself, saying where the key goes, without sending it. With a
 * key in the Headers tab, every request goes to the server as usual.
 *
 * The package (9 MB of JavaScript) is loaded on the first request for the page
 * or an asset, not at start.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { graphiqlDefaultQuery } from '../graphql/graphiql.js';
import { serveAsset, StaticAsset } from './static-assets.js';

export const GRAPHIQL_ASSET_DIR = '/graphiql';

const JS = 'text/javascript; charset=utf-8';

interface GraphiQL {
  page: StaticAsset;
  /** By URL path. */
  assets: Map<string, StaticAsset>;
}

/** The options GraphiQL opens with (JSON, placed in the page). */
const OPTIONS = {
  title: 'personagraph',
  subscriptionsProtocol: 'WS',
  defaultQuery: graphiqlDefaultQuery,
  headers: JSON.stringify({ Authorization: 'Bearer <your API key>' }, null, 2),
};

const NO_KEY_MESSAGE =
  'Nothing was sent: put your API key in the Headers tab, e.g. {"Authorization": "Bearer pg_live_…"}, then run the operation again ' +
  '(to load the schema for completion and the docs, press Shift-Ctrl-R or the re-fetch button of the Documentation panel).';

/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/**
 * In front of fetch: a request to /graphql without a usable key is answered here (401, a GraphQL
 * error naming the Headers tab) and never sent. GraphiQL sends the Headers tab's headers as request headers.
 */
const KEY_GUARD = `(function () {
  var send = window.fetch.bind(window);
  var endpoint = new URL('/graphql', location.href).href;
  function usable(headers) {
    var h = new Headers(headers || undefined);
    var v = (h.get('authorization') || h.get('x-api-key') || '').replace(/^\\s*Bearer\\s+/i, '').trim();
    return v.length >= 16 && !/[\\s<>]/.test(v);
  }
  window.fetch = function (input, init) {
    var req = input instanceof Request ? input : null;
    var url = new URL(req ? req.url : String(input), location.href);
    var headers = init && init.headers ? init.headers : req ? req.headers : undefined;
    if (url.origin + url.pathname === endpoint && !usable(headers)) {
      var body = JSON.stringify({ errors: [{ message: ${JSON.stringify(NO_KEY_MESSAGE)}, extensions: { code: 'unauthenticated' } }] });
      return Promise.resolve(new Response(body, { status: 401, headers: { 'content-type': 'application/json' } }));
    }
    return send(input, init);
  };
})();`;

function pageHtml(a: { js: StaticAsset; css: StaticAsset; icon: StaticAsset; workers: Record<string, StaticAsset> }): string {
  const workers = Object.fromEntries(Object.entries(a.workers).map(([label, asset]) => [label, asset.url]));
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>personagraph · GraphiQL</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="icon" href="${a.icon.url}">
  <link rel="stylesheet" href="${a.css.url}">
</head>
<body id="body" class="no-focus-outline">
  <noscript>GraphiQL needs JavaScript. The API itself answers POST /graphql with an API key.</noscript>
  <div id="root"></div>
  <script>
    ${KEY_GUARD}
    var workers = ${scriptJson(workers)};
    self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: function (moduleId, label) { return workers[label]; } };
  </script>
  <script src="${a.js.url}"></script>
  <script>YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptJson(OPTIONS)});</script>
</body>
</html>
`;
}

function dataUrlBytes(dataUrl: string): { type: string; bytes: Buffer } {
  const m = /^data:([^;,]+)(;base64)?,(.*)$/s.exec(dataUrl);
  if (!m) throw new Error('GraphiQL favicon is not a data: URL');
  return { type: m[1]!, bytes: m[2] ? Buffer.from(m[3]!, 'base64') : Buffer.from(decodeURIComponent(m[3]!)) };
}

async function build(): Promise<GraphiQL> {
  const g = await import('@graphql-yoga/render-graphiql/graphiql');
  const asset = (name: string, type: string, body: string | Buffer) => new StaticAsset(GRAPHIQL_ASSET_DIR, name, type, Buffer.from(body));
  const icon = dataUrlBytes(g.favicon);
  const parts = {
    js: asset('graphiql.js', JS, g.js),
    css: asset('graphiql.css', 'text/css; charset=utf-8', g.css),
    icon: asset('favicon.ico', icon.type, icon.bytes),
    workers: {
      editorWorkerService: asset('editor.worker.js', JS, g.editorWorkerService),
      json: asset('json.worker.js', JS, g.jsonWorker),
      graphql: asset('graphql.worker.js', JS, g.graphqlWorker),
    },
  };
  const all = [parts.js, parts.css, parts.icon, ...Object.values(parts.workers)];
  return {
    page: new StaticAsset(GRAPHIQL_ASSET_DIR, 'index.html', 'text/html; charset=utf-8', Buffer.from(pageHtml(parts))),
    assets: new Map(all.map((x) => [x.url, x])),
  };
}

let loading: Promise<GraphiQL> | null = null;
const graphiql = () => {
  loading ??= build();
  loading.catch(() => (loading = null));
  return loading;
};

export const isGraphiQLAssetPath = (p: string) => p.startsWith(`${GRAPHIQL_ASSET_DIR}/`);

/** The page (GET /graphql from a browser, no key needed). */
export async function serveGraphiQLPage(req: IncomingMessage, res: ServerResponse, extraHeaders: Record<string, string> = {}): Promise<void> {
  const { page } = await graphiql();
  for (const [k, v] of Object.entries(extraHeaders)) res.setHeader(k, v);
  await serveAsset(req, res, page, 'revalidate');
}

/** One of the page's files under /graphiql/ (404 for an unknown or outdated name). */
export async function serveGraphiQLAsset(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const found = (await graphiql()).assets.get(pathname);
  if (!found) {
    res.writeHead(404, { 'Content-Type': 'application/json; charset=utf-8' });
    return void res.end(JSON.stringify({ error: `Nothing at ${pathname}; GraphiQL is at /graphql` }));
  }
  await serveAsset(req, res, found, 'immutable');
}

/** The page and its assets with their URLs (tests, size figures). */
export async function graphiqlFiles(): Promise<{ page: StaticAsset; assets: StaticAsset[] }> {
  const g = await graphiql();
  return { page: g.page, assets: [...g.assets.values()] };
}
