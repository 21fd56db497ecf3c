// A TCP proxy for the fault tests: refuses connections while down, and cuts store writes mid-way.
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { freePort } from '../../../test/servers/pg-server.js'

const READY = Buffer.from([0x5a, 0, 0, 0, 5])

/**
 * A TCP proxy in front of a server: `down()` closes the listener and every connection (the
 * next connect is refused), `up()` listens again on the same port; `cutNext(n, when)` drops the
 * next `n` connections that send an ingest call, either before the server gets it (`request`)
 * or after the server ran it but before the reply reaches the client (`response`).
 */
export class TcpProxy {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  private cuts = 0
  private cutWhen: 'request' | 'response' = 'request'
  /** Connections cut so far. */
  cut = 0

  private constructor(
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const p = new TcpProxy(await freePort(), targetPort)
    await p.up()
    return p
  }

  url(serverUrl: string): string {
    const u = new URL(serverUrl)
    u.port = String(this.port)
    return u.toString()
  }

  cutNext(n: number, when: 'request' | 'response'): void {
    this.cuts = n
    this.cutWhen = when
  }

  async up(): Promise<void> {
    if (this.server) return
    const server = createServer((client) => this.handle(client))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => resolve())
    })
    this.server = server
  }

  async down(): Promise<void> {
    const s = this.server
    this.server = undefined
    for (const sock of this.sockets) sock.destroy()
    if (s) await new Promise<void>((r) => s.close(() => r()))
  }

  private handle(client: Socket): void {
    const upstream = createConnection(this.targetPort, '127.0.0.1')
    this.sockets.add(client).add(upstream)
    let ingestSent = false
    const kill = (): void => {
      this.cut++
      client.destroy()
      upstream.destroy()
    }
    client.on('data', (d: Buffer) => {
      if (this.cuts > 0 && d.includes('_ingest"(')) {
        if (this.cutWhen === 'request') {
          this.cuts--
          // Half the message reaches the server, then the line dies: a torn request.
          upstream.write(d.subarray(0, d.length >> 1), () => kill())
          return
        }
        ingestSent = true
      }
      upstream.write(d)
    })
    upstream.on('data', (d: Buffer) => {
      // ReadyForQuery ('Z', length 5) follows the Sync that ends the ingest's implicit
      // transaction: the server has committed when it sends it.
      if (ingestSent && this.cuts > 0 && d.includes(READY)) {
        // The server has run (and committed) the ingest; its answer never arrives.
        this.cuts--
        ingestSent = false
        kill()
        return
      }
      client.write(d)
    })
    const close = (): void => {
      this.sockets.delete(client)
      this.sockets.delete(upstream)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', close).on('close', close)
    upstream.on('error', close).on('close', close)
  }
}
