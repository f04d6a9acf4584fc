import { copyFileSync, lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { type AppManifest, appLockfile, readRepoLock, type TarballPackage } from './app-lockfile.js'
import type { PackedPackage } from './pack-packages.js'
import { run } from './run.js'

/**
 * Versions of what a new team would install next to our packages: those of the repository's
 * package-lock.json, so the npm cache has their tarballs.
 */
export function repoVersions(repoRoot: string, names: readonly string[]): Record<string, string> {
  const lock = readRepoLock(repoRoot)
  return Object.fromEntries(
    names.map((name) => {
      const version = lock[`node_modules/${name}`]?.version
      if (!version) throw new Error(`${name} is not at the root of the repository's package-lock.json`)
      return [name, version]
    }),
  )
}

/**
 * Writes package.json and package-lock.json of a fresh app in `dir` (the tarballs copied into
 * dir/tarballs) and installs it with `npm ci --offline`: nothing but the local npm cache.
 */
export async function installApp(
  repoRoot: string,
  dir: string,
  app: {
    name: string
    /** Our packages, by the role they play in the app. */
    packages: { dependencies: PackedPackage[]; devDependencies?: PackedPackage[] }
    /** Registry packages, at the repository's versions. */
    dependencies: readonly string[]
    devDependencies?: readonly string[]
  },
  files: Record<string, string> = {},
): Promise<void> {
  mkdirSync(join(dir, 'tarballs'), { recursive: true })
  const tarballs: TarballPackage[] = []
  const ours = (packs: PackedPackage[]): Record<string, string> =>
    Object.fromEntries(
      packs.map((pack) => {
        const file = `tarballs/${basename(pack.tarball)}`
        copyFileSync(pack.tarball, join(dir, file))
        tarballs.push({ manifest: pack.manifest, file, path: join(dir, file) })
        return [pack.manifest.name, `file:${file}`]
      }),
    )
  const manifest: AppManifest & { private: true; type: 'module' } = {
    name: app.name,
    private: true,
    type: 'module',
    dependencies: { ...ours(app.packages.dependencies), ...repoVersions(repoRoot, app.dependencies) },
    devDependencies: {
      ...ours(app.packages.devDependencies ?? []),
      ...repoVersions(repoRoot, app.devDependencies ?? []),
    },
  }
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  writeFileSync(
    join(dir, 'package-lock.json'),
    `${JSON.stringify(appLockfile(manifest, tarballs, readRepoLock(repoRoot)), null, 2)}\n`,
  )
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  await run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    timeoutMs: 240_000,
  })
  // Every range of every installed package is satisfied (npm ls exits non-zero otherwise).
  await run('npm', ['ls', '--all'], { cwd: dir })
}

export interface InstalledPackage {
  name: string
  /** Relative to the app, e.g. node_modules/a/node_modules/b. */
  path: string
  /** Bytes of its files (apparent sizes), without packages nested in it. */
  bytes: number
}

/** Every package under dir/node_modules, nested ones included. */
export function installedPackages(dir: string): InstalledPackage[] {
  const found: InstalledPackage[] = []
  const visitModules = (modules: string): void => {
    for (const entry of readdirSync(join(dir, modules), { withFileTypes: true })) {
      if (entry.name.startsWith('.') || !entry.isDirectory()) continue
      if (entry.name.startsWith('@')) {
        for (const scoped of readdirSync(join(dir, modules, entry.name))) {
          visitPackage(`${modules}/${entry.name}/${scoped}`)
        }
      } else visitPackage(`${modules}/${entry.name}`)
    }
  }
  const visitPackage = (path: string): void => {
    const record: InstalledPackage = {
      name: path.slice(path.lastIndexOf('node_modules/') + 13),
      path,
      bytes: 0,
    }
    found.push(record)
    const walk = (relative: string): void => {
      for (const entry of readdirSync(join(dir, relative))) {
        const child = `${relative}/${entry}`
        const stat = lstatSync(join(dir, child))
        if (stat.isDirectory()) {
          // Packages nested in this one; a node_modules deeper down is just files (test fixtures).
          if (entry === 'node_modules' && relative === path) visitModules(child)
          else walk(child)
        } else record.bytes += stat.size
      }
    }
    walk(path)
  }
  visitModules('node_modules')
  return found
}

/** The browser app: a component on the generated hooks under BroadcastProvider. */
export const browserAppFiles: Record<string, string> = {
  'index.html': `<!doctype html>
<html lang="en">
  <head><meta charset="UTF-8" /><title>Orders</title></head>
  <body>
    <div id="root"></div>
    <script type="module" src="/src/main.tsx"></script>
  </body>
</html>
`,
  'vite.config.ts': `import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

export default defineConfig({ plugins: [react()] })
`,
  'tsconfig.json': `${JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023', 'DOM', 'DOM.Iterable'],
        module: 'ESNext',
        moduleResolution: 'Bundler',
        jsx: 'react-jsx',
        strict: true,
        noUncheckedIndexedAccess: true,
        isolatedModules: true,
        verbatimModuleSyntax: true,
        // The packages' own .d.ts files are checked too.
        skipLibCheck: false,
        noEmit: true,
        types: [],
      },
      include: ['src'],
    },
    null,
    2,
  )}\n`,
  'src/main.tsx': `import { BroadcastProvider, getBroadcastOrigin } from '@pattern-stack/sync-patterns/runtime'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { OrderTicket } from './OrderTicket'
import { configureClient } from './generated'

configureClient({ origin: () => getBroadcastOrigin() })
const queryClient = new QueryClient()
const root = document.getElementById('root')
if (!root) throw new Error('no #root')

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BroadcastProvider url={\`ws://\${window.location.host}/ws/broadcast\`}>
        <OrderTicket />
      </BroadcastProvider>
    </QueryClientProvider>
  </StrictMode>,
)
`,
  'src/OrderTicket.tsx': `import { useBroadcastState } from '@pattern-stack/sync-patterns/runtime'
import { type Order, useAddOrderItem, useOrders } from './generated'

function Ticket({ order }: { order: Order }) {
  const addItem = useAddOrderItem(order.id)
  return (
    <li>
      {order.id}: {order.items.length} items
      <button type="button" onClick={() => addItem.mutate({ name: 'Fries', quantity: 1, unit_price: 300 })}>
        Add fries
      </button>
    </li>
  )
}

export function OrderTicket() {
  const state = useBroadcastState()
  const { data: orders = [] } = useOrders()
  return (
    <section>
      <p>live: {state}</p>
      <ul>
        {orders.map((order) => (
          <Ticket key={order.id} order={order} />
        ))}
      </ul>
    </section>
  )
}
`,
}

/**
 * A Node server on backend-patterns (its Fastify plugin) and the runtime's BroadcastClient
 * connected to it: plain JavaScript that runs as it is and is type-checked with `checkJs`.
 */
export const serverAppFiles: Record<string, string> = {
  'tsconfig.server.json': `${JSON.stringify(
    {
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        allowJs: true,
        checkJs: true,
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        types: ['node'],
      },
      files: ['server/broadcast-check.js'],
    },
    null,
    2,
  )}\n`,
  'server/broadcast-check.js': `// @ts-check
import { WebSocketBroadcastBackend } from '@pattern-stack/backend-patterns/broadcast'
import { broadcastPlugin } from '@pattern-stack/backend-patterns/broadcast/fastify'
import { BroadcastClient } from '@pattern-stack/sync-patterns/runtime/core'
import Fastify from 'fastify'
import WebSocket from 'ws'

setTimeout(() => {
  console.error('no broadcast within 20 s')
  process.exit(1)
}, 20_000).unref()

const backend = new WebSocketBroadcastBackend()
const app = Fastify()
await app.register(broadcastPlugin, { backend, path: '/ws/broadcast' })
app.post('/orders/:id/items', async (request) => {
  const { id } = /** @type {{ id: string }} */ (request.params)
  await backend.broadcast('order', 'item_added', { entity_id: id })
  return { ok: true }
})
const url = await app.listen({ port: 0, host: '127.0.0.1' })

const client = new BroadcastClient(\`\${url.replace('http', 'ws')}/ws/broadcast\`, { WebSocket })
/** @type {Promise<unknown>} */
const received = new Promise((resolve) => {
  client.subscribe('order', (event) => {
    if (event.kind !== 'resync') resolve(event)
  })
})
client.connect()
while (backend.getSubscriberCount('order') === 0) await new Promise((resolve) => setTimeout(resolve, 10))

const response = await fetch(\`\${url}/orders/42/items\`, { method: 'POST' })
const event = await received
console.log(JSON.stringify({ status: response.status, state: client.state, event }))
client.disconnect()
await app.close()
`,
}
