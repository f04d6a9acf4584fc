import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll } from 'vitest'

/**
 * Listens with `server` on a free loopback port for the test file and points a generated client at
 * it (`configureClient` of that client's config), closing the server after the file.
 */
export function serveGeneratedClient(
  server: Server,
  configureClient: (changes: { baseUrl: string }) => void,
): void {
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    configureClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))
}
