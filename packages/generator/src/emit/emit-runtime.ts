import { header } from './header.js'

/** Public React symbols of the runtime, one generated file each (`runtime/BroadcastProvider.ts`). */
export const runtimeSymbols = [
  'BroadcastProvider',
  'useBroadcast',
  'useBroadcastInvalidation',
  'useBroadcastState',
] as const

/** `runtime/`: re-exports of `@pattern-stack/sync-patterns/runtime`, so `@/generated/runtime/BroadcastProvider` works. */
export function emitRuntime(): Map<string, string> {
  const files = new Map<string, string>()
  for (const symbol of runtimeSymbols) {
    files.set(
      `runtime/${symbol}.ts`,
      `${header(`Re-export of ${symbol} from the sync-patterns runtime.`)}export { ${symbol} } from '@pattern-stack/sync-patterns/runtime'\n`,
    )
  }
  files.set(
    'runtime/index.ts',
    `${header('The sync-patterns runtime.')}export * from '@pattern-stack/sync-patterns/runtime'\n`,
  )
  return files
}
