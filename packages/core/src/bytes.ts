/**
 * A byte count for people, in SI units (powers of 1000: kB, MB, GB, TB), the one convention of
 * pggraph: the bridge's sizes (`spool_max_bytes = "100MB"`), its messages, the viewer's health
 * line and the graphs' byte axes all count in thousands. `1536000` → `"1.5 MB"`, `999` → `"999 B"`.
 * Values below 10 of a unit keep one decimal, larger ones none.
 */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return `${n} B`
  const sign = n < 0 ? '-' : ''
  let v = Math.abs(n)
  if (v < 1000) return `${sign}${Math.round(v)} B`
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'] as const
  let u = -1
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000
    u++
  }
  // 999.96 kB would print as "1000 kB": carry into the next unit instead.
  if (Number(v.toFixed(0)) >= 1000 && u < units.length - 1) {
    v /= 1000
    u++
  }
  return `${sign}${v.toFixed(Number(v.toFixed(1)) < 10 ? 1 : 0)} ${units[u]}`
}
