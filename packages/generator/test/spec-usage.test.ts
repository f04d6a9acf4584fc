import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { compileFiles } from './support/compile-generated.js'

// The spec's usage examples (SYNC-012 "Usage Examples", "Optimistic Locking" and §2.3), copied
// verbatim into fixtures/spec-usage, must compile unchanged against the generated Orders code under
// `tsc --strict`. Each example only gets the imports of the generated hooks it calls and stubs for
// the UI components the spec leaves undefined.

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = resolve(here, '../../..')
const generated = join(here, '__generated__/orders-fastify')
const work = join(repoRoot, 'node_modules/.cache/sync-patterns-spec-usage', String(process.pid))

const preludes: Record<string, string> = {
  AppSetup: "import { RouterProvider, router } from './stubs'",
  KitchenDisplay:
    "import { useOrders } from '@/generated/entities/order'\nimport { Loading, OrderQueue } from './stubs'",
  OrderEntry: [
    "import { useOrder } from '@/generated/entities/order'",
    "import { useAddOrderItem } from '@/generated/hooks/useOrderMutations'",
    "import type { OrderItemCreate } from '@/generated/schemas/order.schema'",
    "import { MenuGrid, OrderItems, SavingIndicator, toast } from './stubs'",
  ].join('\n'),
  EditForm: [
    "import { useEffect, useState } from 'react'",
    "import { useOrder } from '@/generated/entities/order'",
    "import { useUpdateOrder } from '@/generated/hooks/useOrderMutations'",
    "import type { Order } from '@/generated/schemas/order.schema'",
    "import { Button, OrderForm, navigate } from './stubs'",
  ].join('\n'),
  ConnectionStatus:
    "import { useBroadcastState } from '@/generated/runtime/useBroadcastState'\nimport { Banner } from './stubs'",
  OptimisticLocking: [
    "import { useUpdateOrder } from '@/generated/hooks/useOrderMutations'",
    "import type { Order } from '@/generated/schemas/order.schema'",
    "import { toast } from './stubs'",
    'declare const id: string',
    'declare const draft: Order',
    'declare const order: Order',
  ].join('\n'),
  OrderList:
    "import { useState } from 'react'\nimport { useOrders } from '@/generated/entities/order'\nimport { OrderTable } from './stubs'",
}

afterAll(() => rmSync(work, { recursive: true, force: true }))

function compile(files: string[]): string[] {
  return compileFiles(files, '', {
    types: ['node'],
    typeRoots: [join(repoRoot, 'node_modules/@types')],
    paths: { '@/generated/*': [`${generated}/*`] },
  })
}

describe("the spec's usage examples", () => {
  it('compile unchanged against the generated Orders hooks under --strict', () => {
    mkdirSync(work, { recursive: true })
    const fixtures = join(here, 'fixtures/spec-usage')
    writeFileSync(join(work, 'stubs.tsx'), readFileSync(join(fixtures, 'stubs.tsx.fixture'), 'utf8'))
    const files = [join(work, 'stubs.tsx')]
    for (const [name, prelude] of Object.entries(preludes)) {
      const example = readFileSync(join(fixtures, `${name}.tsx.fixture`), 'utf8')
      const file = join(work, `${name}.tsx`)
      writeFileSync(file, `${prelude}\n\n${example}\nexport {}\n`)
      files.push(file)
    }
    expect(compile(files)).toEqual([])
  })

  it('a misuse fails to compile (the check is real)', () => {
    mkdirSync(work, { recursive: true })
    const file = join(work, 'Misuse.tsx')
    writeFileSync(
      file,
      "import { useAddOrderItem } from '@/generated/hooks/useOrderMutations'\nexport function X() {\n  useAddOrderItem('o').mutate({ quantity: 'two' })\n}\n",
    )
    expect(compile([file]).join('\n')).toMatch(
      /Misuse.tsx:3 Type 'string' is not assignable to type 'number'/,
    )
  })
})
