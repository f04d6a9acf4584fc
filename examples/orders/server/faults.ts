import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { sendProblem } from './problem.js'

/** Header of the fault hook; honoured only when buildApp got `faults: true`. */
export const FAULT_HEADER = 'x-test-fault'
const MAX_DELAY_MS = 30_000

/**
 * Test hook for client tests (never on by default): a mutation (POST, PATCH, DELETE) carrying
 * `X-Test-Fault: delay=<ms>` waits that long before running, `fail=<status>` answers that status
 * (4xx or 5xx) as a problem without changing anything, and both may be combined
 * (`delay=300,fail=503`). Without the option the header is ignored.
 */
export const faultsPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('preHandler', async (request, reply) => {
      if (request.method === 'GET' || request.method === 'HEAD') return
      const header = request.headers[FAULT_HEADER]
      if (typeof header !== 'string') return
      const fault = parseFault(header)
      if (typeof fault === 'string') {
        return sendProblem(reply, request, 400, {
          type: '/problems/bad-fault-header',
          detail: `${FAULT_HEADER}: ${fault}`,
          errors: [{ field: FAULT_HEADER, in: 'header', message: fault }],
        })
      }
      if (fault.delayMs) await sleep(fault.delayMs)
      if (fault.failStatus) {
        return sendProblem(reply, request, fault.failStatus, {
          type: '/problems/injected-fault',
          detail: `failed on purpose by ${FAULT_HEADER}; nothing was changed`,
        })
      }
    })
  },
  { name: 'faults' },
)

function parseFault(header: string): { delayMs?: number; failStatus?: number } | string {
  const fault: { delayMs?: number; failStatus?: number } = {}
  for (const part of header.split(',')) {
    const [name, value] = part.trim().split('=')
    const number = Number(value)
    if (name === 'delay' && Number.isInteger(number) && number >= 0 && number <= MAX_DELAY_MS) {
      fault.delayMs = number
    } else if (name === 'fail' && Number.isInteger(number) && number >= 400 && number <= 599) {
      fault.failStatus = number
    } else {
      return `"${part.trim()}" is not delay=<0..${MAX_DELAY_MS}> or fail=<400..599>`
    }
  }
  return fault
}
