// A TCP proxy that delays every chunk by `oneWayMs` in each direction: a store "across the
// network" for benchmarks, without root or tc/netem. Chunks keep their order (equal delays).
import { createServer, connect, type Server, type Socket } from 'node:net'

export interface LatencyProxy {
  readonly port: number
  close(): Promise<void>
}

function pipeDelayed(from: Socket, to: Socket, ms: number): void {
  from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), ms))
  from.on('end', () => setTimeout(() => to.end(), ms))
  from.on('error', () => to.destroy())
}

/** Listen on a free local port and forward to `host:port` with `oneWayMs` of delay each way. */
export async function startLatencyProxy(host: string, port: number, oneWayMs: number): Promise<LatencyProxy> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = connect(port, host)
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    sockets.add(client).add(upstream)
    pipeDelayed(client, upstream, oneWayMs)
    pipeDelayed(upstream, client, oneWayMs)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('proxy has no port')
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}
