import pg from 'pg'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { BroadcastTestClient } from './broadcast-client.js'
import { type Instance, startInstance } from './instances.js'
import { expectResyncAndFlow, expectServingThroughOutage } from './outage-checks.js'
import { DATABASE_URL, postgresAvailable, uniquePrefix } from './services.js'
import { TcpProxy } from './tcp-proxy.js'
import { waitFor } from './wait-for.js'

describe.skipIf(!postgresAvailable)('losing Postgres', () => {
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  const clients: BroadcastTestClient[] = []
  let instances: Instance[] = []

  beforeAll(() => admin.connect())
  afterAll(() => admin.end())
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close()
    await Promise.all(instances.splice(0).map((i) => i.stop()))
  })

  async function start(
    appName: string,
    databaseUrl: string,
    publishTimeoutMs = '2000',
  ): Promise<[Instance, Instance]> {
    const prefix = uniquePrefix()
    const env = {
      DATABASE_URL: databaseUrl,
      PREFIX: prefix,
      APP_NAME: appName,
      PUBLISH_TIMEOUT_MS: publishTimeoutMs,
    }
    instances = await Promise.all([1, 2].map(() => startInstance({ ENGINE: 'postgres', ...env })))
    return instances as [Instance, Instance]
  }

  /** Until A's NOTIFY connection is back, its broadcasts are dropped (and announced for resync). */
  async function notifyRecovered(instance: Instance): Promise<void> {
    await waitFor(
      () => instance.log.some((l) => l.includes('NOTIFY') && l.includes('recovered')),
      'the NOTIFY connection to reconnect',
      20_000,
    )
  }

  async function subscribed(a: Instance, b: Instance): Promise<[BroadcastTestClient, BroadcastTestClient]> {
    const onA = await BroadcastTestClient.connect(a.wsUrl)
    const onB = await BroadcastTestClient.connect(b.wsUrl)
    clients.push(onA, onB)
    await onA.subscribe('order')
    await onB.subscribe('order', 'contact')
    await a.broadcast('order', 'before', { entity_id: '1' })
    await waitFor(
      () => onB.events('order').length === 1 && onA.events('order').length === 1,
      'the first broadcast',
    )
    return [onA, onB]
  }

  it('re-LISTENs and resyncs after the server terminates the engine connections (pg_terminate_backend)', async () => {
    const appName = `t${process.pid}term`
    const [a, b] = await start(appName, DATABASE_URL)
    const [onA, onB] = await subscribed(a, b)
    const { rows } = await admin.query<{ terminated: boolean }>(
      'SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name LIKE $1',
      [`${appName}:%`],
    )
    // Both instances' LISTEN and NOTIFY connections.
    expect(rows).toHaveLength(4)
    expect(rows.every((r) => r.terminated)).toBe(true)
    await notifyRecovered(a)
    await expectResyncAndFlow(a, [
      { client: onA, channels: ['order'] },
      { client: onB, channels: ['contact', 'order'] },
    ])
    const listening = await b.get<{ postgres: string[] }>('/channels')
    expect(listening.postgres.filter((c) => !c.includes('#'))).toHaveLength(2) // order and contact again
  })

  it('keeps WebSockets and handlers up through a network outage, then reconnects, resyncs and delivers', async () => {
    const target = new URL(DATABASE_URL)
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432))
    const port = await proxy.listen()
    const throughProxy = new URL(DATABASE_URL)
    throughProxy.port = String(port)
    try {
      const [a, b] = await start(`t${process.pid}cut`, throughProxy.toString())
      const [onA, onB] = await subscribed(a, b)
      await proxy.cut()
      for (const instance of [a, b]) {
        await waitFor(
          () => instance.log.some((l) => l.includes('LISTEN') && l.includes('unavailable')),
          'the outage to be noticed',
        )
      }
      await expectServingThroughOutage([a, b], [onA, onB])
      expect(a.log.filter((l) => l.includes('NOTIFY') && l.includes('unavailable'))).toHaveLength(1)
      await proxy.restore()
      await notifyRecovered(a)
      await expectResyncAndFlow(a, [
        { client: onA, channels: ['order'] },
        { client: onB, channels: ['contact', 'order'] },
      ])
    } finally {
      await proxy.cut()
    }
  })

  it('answers handlers while Postgres hangs (nothing relayed), then resyncs what it dropped', async () => {
    const target = new URL(DATABASE_URL)
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432))
    const throughProxy = new URL(DATABASE_URL)
    throughProxy.port = String(await proxy.listen())
    try {
      const [a, b] = await start(`t${process.pid}hang`, throughProxy.toString(), '300')
      const [, onB] = await subscribed(a, b)
      proxy.freeze()
      // Resolves although Postgres never answers: after publishTimeoutMs it counts as dropped.
      await a.broadcast('order', 'during_hang', { entity_id: 'h1' })
      expect(await a.get<string>('/health')).toBe('ok')
      await onB.ping(9)
      expect(onB.events('order').filter((e) => e.event === 'during_hang')).toEqual([])
      proxy.thaw()
      await a.broadcast('order', 'after_hang', { entity_id: 'h2' })
      await waitFor(() => onB.resyncs().some((r) => r.includes('order')), 'a resync of order')
      await waitFor(
        () => onB.events('order').some((e) => e.event === 'after_hang'),
        'the broadcast after the hang',
      )
      expect(onB.isOpen).toBe(true)
    } finally {
      await proxy.cut()
    }
  })
})
