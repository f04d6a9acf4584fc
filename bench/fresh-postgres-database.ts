import pg from 'pg'

/**
 * Drops and creates database `name` on the Postgres of DATABASE_URL (default the local one, trust
 * auth) and returns its URL: each benchmark run starts from an empty database.
 */
export async function freshPostgresDatabase(name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new TypeError(`${name} is not a lower-case SQL identifier`)
  const admin = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test')
  const client = new pg.Client({ connectionString: admin.href })
  await client.connect()
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await client.query(`CREATE DATABASE ${name}`)
  } finally {
    await client.end()
  }
  admin.pathname = `/${name}`
  return admin.href
}
