import { describe, expect, it } from 'vitest'
import { ApiError } from '../../src/runtime/core/index.js'

const at = { method: 'POST', url: '/orders/' }

describe('ApiError message', () => {
  it('names the fields of a FastAPI 422 (pydantic v1)', () => {
    const body = {
      detail: [
        { loc: ['body', 'quantity'], msg: 'field required', type: 'value_error.missing' },
        { loc: ['query', 'limit'], msg: 'value is not a valid integer', type: 'type_error.integer' },
      ],
    }
    const error = new ApiError({ status: 422, body, ...at })
    expect(error.message).toBe(
      'POST /orders/ failed with 422: quantity: field required; limit (query): value is not a valid integer',
    )
    expect(error.validationErrors).toEqual(body.detail)
    expect(error.body).toBe(body)
  })

  it('names nested fields of a FastAPI 422 (pydantic v2)', () => {
    const body = {
      detail: [
        {
          type: 'greater_than',
          loc: ['body', 'items', 0, 'quantity'],
          msg: 'Input should be greater than 0',
          input: 0,
          ctx: { gt: 0 },
        },
        { type: 'missing', loc: ['body'], msg: 'Field required', input: null },
      ],
    }
    const error = new ApiError({ status: 422, body, ...at })
    expect(error.message).toBe(
      'POST /orders/ failed with 422: items[0].quantity: Input should be greater than 0; body: Field required',
    )
    expect(error.validationErrors?.[0]?.ctx).toEqual({ gt: 0 })
  })

  it('keeps FastAPI’s string detail and problem+json titles', () => {
    expect(new ApiError({ status: 404, body: { detail: 'Order not found' }, ...at }).message).toBe(
      'POST /orders/ failed with 404: Order not found',
    )
    const problem = {
      type: '/problems/validation',
      title: 'Validation failed',
      status: 422,
      detail: 'quantity must be at least 1',
      errors: [{ field: 'quantity', in: 'body', message: 'must be >= 1' }],
    }
    const error = new ApiError({ status: 422, body: problem, ...at })
    expect(error.message).toBe('POST /orders/ failed with 422: Validation failed')
    expect(error.validationErrors).toBeUndefined()
    expect(new ApiError({ status: 500, body: 'oops', ...at }).message).toBe('POST /orders/ failed with 500')
  })
})
