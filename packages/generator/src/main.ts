import { runCli } from './cli.js'

// Entry point of the `sync-patterns` bin.
runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error)
    process.exitCode = 2
  },
)
