import { PggraphError } from '@pggraph/core'

/** Read one line from the terminal without echoing it (raw mode). */
function askHidden(prompt: string): Promise<string> {
  const stdin = process.stdin
  process.stderr.write(prompt)
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  return new Promise((resolve, reject) => {
    let buf = ''
    const finish = (err?: Error): void => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write('\n')
      if (err) reject(err)
      else resolve(buf)
    }
    const onData = (chunk: string): void => {
      for (const c of chunk) {
        if (c === '\r' || c === '\n' || c === '\u0004') return finish()
        if (c === '\u0003') return finish(new PggraphError('CONFIG', 'Cancelled.'))
        if (c === '\u007f' || c === '\b') buf = buf.slice(0, -1)
        else if (c >= ' ') buf += c
      }
    }
    stdin.on('data', onData)
  })
}

/** Read all of stdin and return its first line (for `echo pw | pggraph-viewer users add …`). */
async function firstLineOfStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(c)
    if (chunks.reduce((n, b) => n + b.length, 0) > 64 * 1024) break
  }
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? ''
}

/**
 * The new password of a user: asked twice on the terminal without echo, or the first line of
 * stdin when stdin is not a terminal. Never a command-line argument (it would show in `ps` and
 * the shell history).
 */
export async function readNewPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const pw = await firstLineOfStdin()
    if (!pw)
      throw new PggraphError(
        'CONFIG',
        'No password on stdin: pipe it in (printf %s "$PW" | pggraph-viewer users add …) or run on a terminal.',
      )
    return pw
  }
  const a = await askHidden('New password: ')
  const b = await askHidden('Repeat password: ')
  if (a !== b) throw new PggraphError('CONFIG', 'The two passwords differ; nothing was changed.')
  return a
}
