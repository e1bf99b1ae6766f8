import type { IncomingMessage } from 'node:http'

/** Loopback names: anything else exposes the verifier and admin API to the network. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host)
}

/** The name in a Host header, lower-cased, without its port: "[::1]:8787" → "[::1]", "LocalHost:80" → "localhost". */
export function hostName(header: string): string {
  const text = header.trim().toLowerCase()
  if (text.startsWith('[')) {
    const end = text.indexOf(']')
    return end < 0 ? text : text.slice(0, end + 1)
  }
  const colon = text.indexOf(':')
  return colon < 0 ? text : text.slice(0, colon)
}

/** "keyward", "gateway-1": a name no public DNS zone can hand out (a bare TLD is not a host). */
function isSingleLabel(name: string): boolean {
  return /^[a-z0-9_-]+$/.test(name) && !/^\d+$/.test(name)
}

/**
 * Which Host headers a server answers, against DNS rebinding: a page on evil.example that
 * resolves its own name to 127.0.0.1 reaches a loopback server, but its requests carry
 * "Host: evil.example". A server bound to loopback answers loopback names and the --allow-host
 * names only, and names without a dot (an nginx upstream name such as "keyward", a hosts-file
 * alias): no public DNS name is a single label, so a rebinding page cannot send one.
 * A server bound to another address answers any Host unless --allow-host is given;
 * then it answers those names, loopback names and its own address.
 *
 * `allows` is the hot path's check: one string compare when the header is the server's own
 * address and port, as gateways on the same machine send it.
 */
export class HostCheck {
  private readonly names: Set<string>
  private exact = ''

  private constructor(
    names: readonly string[],
    readonly active: boolean
  ) {
    this.names = new Set(names.map((n) => hostName(n)))
  }

  static for(boundHost: string, allowHosts: readonly string[] = []): HostCheck {
    const bound = boundHost.includes(':') && !boundHost.startsWith('[') ? `[${boundHost}]` : boundHost
    const active = isLoopback(boundHost) || allowHosts.length > 0
    return new HostCheck([...allowHosts, bound], active)
  }

  /** The header the server's own URL gives (e.g. "127.0.0.1:8787"), compared first. */
  expect(hostAndPort: string): void {
    this.exact = hostAndPort
  }

  allows(req: IncomingMessage): boolean {
    const header = req.headers.host
    if (header === this.exact || !this.active) return true
    // HTTP/1.0 clients may omit Host; browsers (the rebinding risk) always send it.
    if (header === undefined) return true
    const name = hostName(header)
    return isLoopback(name) || this.names.has(name) || isSingleLabel(name)
  }
}
