import { createHash } from 'node:crypto'

/** A rendered graph kept in memory with its validators. */
export interface CachedImage {
  readonly body: Buffer
  readonly contentType: string
  /** Strong ETag (quoted hash of the body). */
  readonly etag: string
  /** When it was rendered, for `Last-Modified`. */
  readonly modified: number
}

/**
 * A bounded LRU of rendered graphs keyed by (tenant, prefix, graph, range bucket, size),
 * with in-flight de-duplication: concurrent requests for the same key share one render.
 */
export class ImageCache {
  readonly #entries = new Map<string, CachedImage>()
  readonly #inflight = new Map<string, Promise<CachedImage>>()
  readonly #maxBytes: number
  #bytes = 0

  constructor(maxBytes = 64 * 1024 * 1024) {
    this.#maxBytes = maxBytes
  }

  /** Number of cached images (for tests and stats). */
  get size(): number {
    return this.#entries.size
  }

  /** The cached image of `key` if there is one (marked as recently used), without rendering. */
  peek(key: string): CachedImage | undefined {
    const hit = this.#entries.get(key)
    if (hit) {
      this.#entries.delete(key)
      this.#entries.set(key, hit)
    }
    return hit
  }

  /** The cached image of `key`, or the result of `make()`, stored for next time. */
  async get(
    key: string,
    make: () => Promise<{ body: Buffer; contentType: string; modified: number }>,
  ): Promise<CachedImage> {
    const hit = this.peek(key)
    if (hit) return hit
    const pending = this.#inflight.get(key)
    if (pending) return pending
    const p = make()
      .then((r) => {
        const img: CachedImage = {
          ...r,
          etag: `"${createHash('sha256').update(r.body).digest('base64url').slice(0, 27)}"`,
        }
        this.#store(key, img)
        return img
      })
      .finally(() => this.#inflight.delete(key))
    this.#inflight.set(key, p)
    return p
  }

  #store(key: string, img: CachedImage): void {
    if (img.body.length > this.#maxBytes) return
    this.#entries.set(key, img)
    this.#bytes += img.body.length
    for (const [k, v] of this.#entries) {
      if (this.#bytes <= this.#maxBytes) break
      this.#entries.delete(k)
      this.#bytes -= v.body.length
    }
  }
}

/** Whether a request's `If-None-Match` matches `etag` (weak comparison, `*` included). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  if (ifNoneMatch.trim() === '*') return true
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)
}
