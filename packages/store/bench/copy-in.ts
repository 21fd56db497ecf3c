// COPY ... FROM STDIN over a pg.Client without pg-copy-streams: a minimal "submittable" that
// pg's client drives through the copy-in sub-protocol (Query -> CopyInResponse -> CopyData ->
// CopyDone -> CommandComplete -> ReadyForQuery). Benchmark baseline only.
import type pg from 'pg'

interface Connection {
  query(text: string): void
  sendCopyFromChunk(chunk: Buffer): void
  endCopyFrom(): void
}

class CopyIn {
  private resolve!: (rows: number) => void
  private reject!: (err: Error) => void
  private error: Error | undefined
  private rows = 0
  readonly done: Promise<number>

  constructor(
    private readonly text: string,
    private readonly data: Buffer,
  ) {
    this.done = new Promise((res, rej) => {
      this.resolve = res
      this.reject = rej
    })
  }

  submit(connection: Connection): void {
    connection.query(this.text)
  }

  handleCopyInResponse(connection: Connection): void {
    // CopyData messages are limited in size only by the server's 1 GB; 64 KB chunks are polite.
    for (let i = 0; i < this.data.length; i += 65536) connection.sendCopyFromChunk(this.data.subarray(i, i + 65536))
    connection.endCopyFrom()
  }

  handleCommandComplete(msg: { text?: string }): void {
    this.rows = Number(/(\d+)$/.exec(msg.text ?? '')?.[1] ?? 0)
  }

  handleError(err: Error): void {
    this.error = err
  }

  handleReadyForQuery(): void {
    if (this.error) this.reject(this.error)
    else this.resolve(this.rows)
  }
}

/** Run `COPY <target> FROM STDIN` with `data` (text format) on `client`; resolves the row count. */
export function copyFrom(client: pg.Client, target: string, data: string): Promise<number> {
  const q = new CopyIn(`COPY ${target} FROM STDIN`, Buffer.from(data))
  ;(client as unknown as { query(q: unknown): unknown }).query(q)
  return q.done
}
