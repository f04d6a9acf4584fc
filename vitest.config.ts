import { defineConfig } from 'vitest/config'

// Workspace packages export their TypeScript sources under the "source" condition, so tests run
// against src/ without a build step.
export default defineConfig({
  resolve: { conditions: ['source', 'module', 'import', 'default'] },
  // Vitest also passes these to Node as --conditions for external packages: 'import' there makes
  // require() pick ESM builds (pg's require('pg-pool') gets a module namespace and pg breaks).
  ssr: { resolve: { conditions: ['source', 'module', 'default'] } },
  test: {
    include: ['packages/*/test/**/*.test.{ts,tsx}', 'examples/*/test/**/*.test.{ts,tsx}'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
