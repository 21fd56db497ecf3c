import { DOMParser } from '@xmldom/xmldom'
import { describe, expect, it, vi } from 'vitest'
import { PggraphError, type GraphSpec } from '@pggraph/core'
import { emptySet, syntheticSet, T0, DAY } from '../test/fixtures.js'
import { graphCatalog, graphNames, isGraphName, type GraphName } from './catalog/index.js'
import { graphSpec, renderGraph } from './render.js'

const opts = { width: 800, height: 260 } as const

/** Parse SVG as XML (throwing on any error) and return the text of every <text>, <title>, <desc>. */
export function svgTexts(svg: string): string[] {
  const errors: string[] = []
  const doc = new DOMParser({
    onError: (level, msg) => void (level !== 'warning' && errors.push(msg)),
  }).parseFromString(svg, 'image/svg+xml')
  expect(errors).toEqual([])
  expect(doc.documentElement?.nodeName).toBe('svg')
  const out: string[] = []
  for (const tag of ['text', 'title', 'desc']) {
    const nodes = doc.getElementsByTagName(tag)
    for (let i = 0; i < nodes.length; i++) out.push(nodes.item(i)!.textContent ?? '')
  }
  return out
}

function lineNames(spec: GraphSpec): string[] {
  const layer = (spec['layer'] as { encoding?: { color?: { scale?: { domain?: string[] } } } }[] | undefined) ?? []
  return layer[0]?.encoding?.color?.scale?.domain ?? []
}

describe('catalog', () => {
  it('has every graph the issue lists, each in a group, with queries', () => {
    const names = graphNames()
    expect(names.length).toBeGreaterThanOrEqual(24)
    for (const n of names) {
      const g = graphCatalog[n]
      expect(g.name).toBe(n)
      expect(g.queries.length).toBeGreaterThan(0)
      expect(g.title).not.toBe('')
    }
    expect(graphNames('wal')).toEqual([
      'wal.bytes',
      'wal.replication_lag',
      'wal.retained',
      'wal.standby_replay_delay',
      'wal.standby_replay_bytes',
      'wal.recovery_prefetch',
      'wal.directory_size',
      'wal.files',
    ])
    expect(graphNames('tables')).toEqual([
      'tables.seq_scans',
      'tables.dead_tuples',
      'tables.size',
      'tables.freeze_age',
      'tables.multixact_age',
      'tables.bloat',
      'tables.sequences',
    ])
    expect(graphNames('indexes')).toEqual(['indexes.scans', 'indexes.bloat', 'indexes.unused', 'indexes.invalid'])
    expect(isGraphName('database.transactions')).toBe(true)
    expect(isGraphName('database.nope')).toBe(false)
    expect(() => graphSpec('database.nope' as 'wal.bytes', emptySet(), opts)).toThrow(PggraphError)
  })
})

/** The lines some graphs must draw from the fixtures: a misspelt column in a builder drops one. */
const expectedLines: Partial<Record<GraphName, string[]>> = {
  'database.transactions': ['commit', 'rollback'],
  'database.cache_hit_ratio': ['hit ratio'],
  'database.tuples': ['returned', 'fetched', 'inserted', 'updated', 'deleted'],
  'database.deadlocks_conflicts': ['deadlocks', 'conflicts'],
  'database.size': ['app', 'postgres', 'reports'],
  'activity.connections': ['active', 'idle', 'idle in transaction'],
  'activity.wait_events': ['Activity', 'Client', 'IO', 'LWLock', 'Lock'],
  'activity.longest_transaction': ['oldest transaction'],
  'io.checkpoints': ['timed', 'requested'],
  'io.buffers_written': ['checkpointer', 'background writer', 'allocated'],
  'io.writes_by_backend_type': ['autovacuum worker', 'background writer', 'checkpointer', 'client backend'],
  'wal.replication_lag': [
    'write standby1',
    'write standby2',
    'flush standby1',
    'flush standby2',
    'replay standby1',
    'replay standby2',
  ],
  'tables.seq_scans': [
    'app.public.customers',
    'app.public.events',
    'app.public.line_items',
    'app.public.orders',
    'app.public.sessions',
  ],
  'statements.total_time': [
    'INSERT INTO events (kind, payload) VALUES ($1, $2)',
    'SELECT * FROM orders WHERE customer_id = $1 ORDER BY create…',
    'UPDATE sessions SET last_seen = now() WHERE token = $1',
    'queryid 4711003',
  ],
}

describe.each(graphNames())('%s', (name) => {
  const def = graphCatalog[name]

  it('renders synthetic data: valid XML with title, series, axis title and event markers', async () => {
    const set = syntheticSet(name)
    const spec = graphSpec(name, set, opts)
    const svg = await renderGraph(name, set, opts)
    const texts = svgTexts(svg)
    expect(svg).toContain('font-family="DejaVu Sans')
    expect(texts).toContain(def.title)
    expect(texts.some((t) => t.startsWith(def.description.slice(0, 30)))).toBe(true)
    if (def.mark === 'bar') {
      expect(texts).toContain('app.public.line_items_legacy_idx')
    } else {
      const names = lineNames(spec)
      expect(names.length).toBeGreaterThan(0)
      if (expectedLines[name]) expect(names).toEqual(expectedLines[name])
      for (const n of names) expect(texts).toContain(n)
      expect(texts).toContain('restart: server restarted')
      expect(texts.some((t) => t.startsWith('time (UTC)'))).toBe(true)
    }
    expect(texts).toContain(def.axisTitle)
    expect(texts.join(' ')).not.toContain('No data')
    expect(svg.length).toBeLessThan(100_000)
  })

  it('renders a "no data: why" panel from empty data', async () => {
    const svg = await renderGraph(name, emptySet(), opts)
    const texts = svgTexts(svg)
    expect(texts).toContain('No data')
    expect(texts).toContain(def.title)
    const all = texts.join(' ')
    expect(all).toContain(def.queries[0]!.metric)
    if (def.minServerVersion) expect(all).toContain(`PostgreSQL ${def.minServerVersion} or newer`)
    for (const r of def.requires ?? []) if ('extension' in r) expect(all).toContain(`CREATE EXTENSION ${r.extension}`)
  })
})

describe('rendering', () => {
  it('is deterministic: the same input gives the same bytes', async () => {
    const set = syntheticSet('activity.connections')
    const a = await renderGraph('activity.connections', set, opts)
    await renderGraph('database.transactions', syntheticSet('database.transactions'), opts)
    const b = await renderGraph('activity.connections', syntheticSet('activity.connections'), opts)
    expect(b).toBe(a)
    expect(a).not.toMatch(/clip\d{2,}|gradient_/)
  })

  it('reads no clock and no randomness: other Date.now / Math.random give the same bytes', async () => {
    const set = syntheticSet('database.transactions')
    const a = await renderGraph('database.transactions', set, opts)
    const now = vi.spyOn(Date, 'now').mockReturnValue(42)
    const rnd = vi.spyOn(Math, 'random').mockReturnValue(0.123)
    try {
      expect(await renderGraph('database.transactions', set, opts)).toBe(a)
    } finally {
      now.mockRestore()
      rnd.mockRestore()
    }
  })

  it('has the requested size, a dark theme, and title/desc for screen readers', async () => {
    const set = syntheticSet('wal.bytes')
    const light = await renderGraph('wal.bytes', set, opts)
    const dark = await renderGraph('wal.bytes', set, { ...opts, theme: 'dark' })
    expect(light).toMatch(/^<svg[^>]* width="800" height="260"/)
    expect(light).toMatch(/^<svg[^>]*role="img" aria-labelledby="pggraph-title pggraph-desc"/)
    expect(light).toContain('<title id="pggraph-title">WAL written</title>')
    expect(dark).toContain('#1b1e23')
    expect(light).not.toContain('#1b1e23')
    expect(light).toContain('stroke="#0072B2"')
  })

  it('escapes names in the SVG', async () => {
    const set = syntheticSet('wal.replication_lag')
    const odd = {
      ...set,
      series: set.series.map((s) => ({ ...s, labels: { ...s.labels, application_name: `a<b>&"c"` } })),
    }
    const svg = await renderGraph('wal.replication_lag', odd, opts)
    expect(svgTexts(svg)).toContain('replay a<b>&"c"')
  })

  it('writes PNG of the requested size with the bundled font', async () => {
    const png = await renderGraph('database.transactions', syntheticSet('database.transactions'), {
      ...opts,
      format: 'png',
    })
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    const view = new DataView(png.buffer, png.byteOffset)
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([800, 260])
    const twice = await renderGraph('database.transactions', syntheticSet('database.transactions'), {
      ...opts,
      format: 'png',
      scale: 2,
    })
    expect(new DataView(twice.buffer, twice.byteOffset).getUint32(16)).toBe(1600)
  })

  it('marks only events inside the range and keeps a month of minutes under 100 KB', async () => {
    const set = syntheticSet('database.transactions', { from: T0, to: T0 + 30 * DAY })
    const svg = await renderGraph('database.transactions', set, opts)
    expect(svg.length).toBeLessThan(100_000)
    const outside = { ...set, events: [...set.events, { t: T0 - DAY, kind: 'restart' as const, label: 'long ago' }] }
    expect(svgTexts(await renderGraph('database.transactions', outside, opts)).join(' ')).not.toContain('long ago')
  })
})

describe('sparse data', () => {
  it('draws a point for a reading with no neighbour, where a line would draw nothing', async () => {
    const set = syntheticSet('wal.bytes', { events: false })
    const one = { ...set, series: set.series.map((s) => ({ ...s, points: [{ t: T0 + 3_600_000, v: 1e6 }] })) }
    const svg = await renderGraph('wal.bytes', one, opts)
    expect(svg).toMatch(/<g class="mark-symbol role-mark layer_1_marks"[^>]*><path [^>]*d="M/)
    expect(svgTexts(svg)).toContain('WAL bytes')
  })
})

describe('a table or index drill-down', () => {
  it('titles and describes the one object drawn, never "top tables" or "the 10 busiest"', async () => {
    for (const name of ['tables.seq_scans', 'tables.dead_tuples', 'tables.size', 'indexes.scans'] as const) {
      const data = { graph: name, from: T0, to: T0 + DAY, sets: [syntheticSet(name)], object: 'app: public.orders' }
      const spec = graphSpec(name, data, { width: 640, height: 220 })
      const title = (spec['title'] as { text: string }).text
      expect(title, name).toBe(`${graphCatalog[name].single!.title} — app: public.orders`)
      expect(String(spec['description']), name).not.toMatch(/busiest|top|the 10|most used|largest tables/i)
      const svg = await renderGraph(name, data, { width: 640, height: 220 })
      expect(svg).toContain(`<title id="pggraph-title">${title}</title>`)
    }
    const unused = graphSpec(
      'indexes.unused',
      { graph: 'indexes.unused', from: T0, to: T0 + DAY, sets: [syntheticSet('indexes.unused')], object: 'app: x' },
      { width: 640, height: 220 },
    )
    expect((unused['title'] as { text: string }).text).toBe('Unused in this range? — app: x')
    // Without an object, the catalog's own words.
    const top = graphSpec('tables.seq_scans', syntheticSet('tables.seq_scans'), { width: 640, height: 220 })
    expect((top['title'] as { text: string }).text).toBe('Top tables by sequential scans')
  })
})
