import { DEFAULT_BROADCAST_PATH, ORIGIN_HEADER } from '@pattern-stack/sync-protocol'

/** GET /: a short how-to until the web app serves the root. */
export function howToPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Orders API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}code,pre{background:#f3f3f3;padding:.1rem .3rem}</style>
</head><body>
<h1>Orders API</h1>
<p>The sales-patterns Order of SYNC-012. Every committed change is broadcast on <code>${DEFAULT_BROADCAST_PATH}</code>.</p>
<ul>
<li><a href="/openapi.json">/openapi.json</a>: OpenAPI 3.1 with <code>x-sync</code> on <code>/orders</code> and <code>/contacts</code></li>
<li><a href="/orders">/orders</a>, <a href="/contacts">/contacts</a>, <a href="/menu">/menu</a></li>
</ul>
<pre>curl -s localhost:8000/menu
curl -s -XPOST localhost:8000/orders -H 'content-type: application/json' -d '{"notes":"table 4"}'
curl -s -XPOST localhost:8000/orders/&lt;id&gt;/items -H 'content-type: application/json' \\
     -H 'Idempotency-Key: add-1' -d '{"name":"Espresso","quantity":2,"unit_price":250}'
npx wscat -c ws://localhost:8000${DEFAULT_BROADCAST_PATH}   # then send {"subscribe":["order"]}</pre>
<p>Send <code>${ORIGIN_HEADER}</code> with your broadcast connection id to recognise your own echo.</p>
</body></html>`
}
