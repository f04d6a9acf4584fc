import react from '@vitejs/plugin-react'
import { defaultClientConditions, defineConfig } from 'vite'

// The Orders web app. Built into ./dist, which the Orders server serves at http://localhost:8000.
// Workspace packages export their TypeScript sources under the "source" condition, so the app
// bundles the runtime straight from packages/sync-patterns/src without a package build.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  resolve: { conditions: ['source', ...defaultClientConditions] },
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    // `vite dev web` during development: the API and broadcast run on the Orders server.
    proxy: {
      '/orders': 'http://localhost:8000',
      '/menu': 'http://localhost:8000',
      '/contacts': 'http://localhost:8000',
      '/openapi.json': 'http://localhost:8000',
      '/ws': { target: 'ws://localhost:8000', ws: true },
    },
  },
})
