import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os'

/**
 * The IPv4 addresses other devices on the network can reach this machine at (loopback and IPv6
 * left out): what a tablet types in when the server listens on every interface.
 */
export function lanAddresses(
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces(),
): string[] {
  return Object.values(interfaces)
    .flatMap((infos) => infos ?? [])
    .filter((info) => info.family === 'IPv4' && !info.internal)
    .map((info) => info.address)
}
