/** ISO 8601 in UTC to the minute: the same text on every machine. */
export function utcMinute(t: number): string {
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ') + ' UTC'
}

/** ISO 8601 time of day in UTC to the second (`06:01:25`): tells close events apart. */
export function utcSecond(t: number): string {
  return new Date(t).toISOString().slice(11, 19)
}
