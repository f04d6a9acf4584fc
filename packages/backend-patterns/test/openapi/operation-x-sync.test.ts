import { describe, expect, it } from 'vitest'
import { operationXSync } from '../../src/openapi/index.js'

describe('operationXSync', () => {
  it('writes the operation-level x-sync the generator reads, snake_case as in the document', () => {
    expect(operationXSync({ serverDefaults: { status: 'draft', total: 0 } })).toEqual({
      'x-sync': { server_defaults: { status: 'draft', total: 0 } },
    })
    expect(operationXSync({})).toEqual({ 'x-sync': {} })
  })

  it('refuses server defaults that are not an object of field values', () => {
    for (const bad of [null, [], 'draft'])
      expect(() => operationXSync({ serverDefaults: bad as never })).toThrow(
        /serverDefaults must be an object/,
      )
  })
})
