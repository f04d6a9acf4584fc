export * from './operation-x-sync.js'
export * from './sync-declaration.js'
export * from './x-sync-plugin.js'
