// A tiny cookie-keeping HTTP client for the viewer's HTTP-level tests (fetch, no redirects followed).

/** A response as the tests look at it. */
export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly body: string
}

/** One browser-like client: keeps the session cookie, finds CSRF tokens, logs in. */
export class Client {
  readonly cookies = new Map<string, string>()
  constructor(
    readonly base: string,
    readonly ip?: string,
  ) {}

  async request(
    path: string,
    init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...init.headers }
    if (this.cookies.size) headers['cookie'] = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
    let body: string | undefined
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(init.form).toString()
    }
    const res = await fetch(this.base + path, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    })
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const i = pair!.indexOf('=')
      const name = pair!.slice(0, i)
      const value = pair!.slice(i + 1)
      if (value === '' || /Max-Age=0/i.test(c)) this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    return { status: res.status, headers: res.headers, body: await res.text() }
  }

  get(path: string, headers?: Record<string, string>): Promise<Reply> {
    return this.request(path, headers ? { headers } : {})
  }

  post(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<Reply> {
    return this.request(path, { form, ...(headers ? { headers } : {}) })
  }

  /** The CSRF token of the last page that had a form. */
  static csrfOf(page: Reply): string {
    const m = /name="csrf" value="([^"]+)"/.exec(page.body)
    if (!m) throw new Error(`no CSRF token in page (status ${page.status})`)
    return m[1]!
  }

  /** GET /login, then POST the form; returns the POST reply. */
  async login(user: string, password: string): Promise<Reply> {
    const page = await this.get('/login')
    return this.post('/login', { csrf: Client.csrfOf(page), user, password })
  }
}
