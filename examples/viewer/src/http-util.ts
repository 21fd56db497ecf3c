import type { IncomingMessage, ServerResponse } from 'node:http'

/** An HTTP error with a status and a message safe to show to the user. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message)
  }
}

/** The Content-Security-Policy of HTML pages: only our own files, no inline code, no framing. */
export const PAGE_CSP =
  "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

/** SVG responses may carry inline styles of their own, but never scripts. */
export const SVG_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; frame-ancestors 'none'"

/** Headers sent on every response. */
export function securityHeaders(res: ServerResponse, https: boolean): void {
  res.setHeader('Content-Security-Policy', PAGE_CSP)
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('X-Frame-Options', 'DENY')
  res.setHeader('Referrer-Policy', 'same-origin')
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()')
  if (https) res.setHeader('Strict-Transport-Security', 'max-age=31536000')
}

/** Cookies of a request, by name (the first of duplicates wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>()
  if (!header) return out
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i <= 0) continue
    const name = part.slice(0, i).trim()
    const value = part.slice(i + 1).trim()
    if (!out.has(name) && /^[A-Za-z0-9_-]{1,200}$/.test(value)) out.set(name, value)
  }
  return out
}

/** A `Set-Cookie` value for the session cookie. */
export function sessionCookie(name: string, value: string, maxAge: number, secure: boolean): string {
  return `${name}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`
}

const MAX_FORM_BYTES = 8 * 1024

/** Read an `application/x-www-form-urlencoded` body (at most 8 KiB). */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/x-www-form-urlencoded')
    throw new HttpError(415, 'Forms must be sent as application/x-www-form-urlencoded.')
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > MAX_FORM_BYTES) throw new HttpError(413, 'The form is too large.')
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_FORM_BYTES) throw new HttpError(413, 'The form is too large.')
    chunks.push(chunk)
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'))
}

/** Send a complete response (no body for HEAD). */
export function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Readonly<Record<string, string>> = {},
): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body
  res.statusCode = status
  res.setHeader('Content-Type', type)
  res.setHeader('Content-Length', buf.length)
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v)
  res.end(req.method === 'HEAD' ? undefined : buf)
}

/** Redirect with 303 See Other (after a POST, or to the login page). */
export function redirect(res: ServerResponse, location: string): void {
  res.statusCode = 303
  res.setHeader('Location', location)
  res.setHeader('Content-Length', 0)
  res.end()
}

/** The client's address: the socket's, or the last `X-Forwarded-For` hop when behind a trusted proxy. */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = req.headers['x-forwarded-for']
    const v = Array.isArray(xff) ? xff.join(',') : xff
    const last = v?.split(',').pop()?.trim()
    if (last && /^[0-9a-fA-F:.]{2,45}$/.test(last)) return last
  }
  return req.socket.remoteAddress ?? 'unknown'
}
