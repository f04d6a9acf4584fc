import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebSocketBroadcastBackend } from '@pattern-stack/backend-patterns/broadcast'

const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/readme-app/', import.meta.url))
const CONTENT_TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' }

/** Builds fixtures/readme-app (the package README's setup) with Vite's production build into `outDir`. */
export async function buildReadmeApp(outDir: string): Promise<void> {
  const [{ build, defaultClientConditions }, { default: react }] = await Promise.all([
    import('vite'),
    import('@vitejs/plugin-react'),
  ])
  // Vite keeps a NODE_ENV it finds (vitest sets "test"), which would bundle React's development build.
  const nodeEnv = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await build({
      configFile: false,
      root: FIXTURE_DIR,
      plugins: [react()],
      resolve: { conditions: ['source', ...defaultClientConditions] },
      build: { outDir, emptyOutDir: true },
      mode: 'production',
      logLevel: 'warn',
    })
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = nodeEnv
  }
}

/** Serves the built app from `dir` and the real broadcast endpoint at /ws/broadcast, on loopback. */
export async function serveReadmeApp(dir: string): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const backend = new WebSocketBroadcastBackend()
  const server: Server = createServer(async (request, response) => {
    const path = normalize((request.url ?? '/').split('?')[0] ?? '/')
    const file = join(dir, path === '/' ? 'index.html' : path)
    try {
      const body = await readFile(file)
      response.writeHead(200, { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' })
      response.end(body)
    } catch {
      response.writeHead(404).end()
    }
  })
  backend.attach(server, { path: '/ws/broadcast' })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await backend.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
