/** ISO 8601 in UTC to the minute: the same text on every machine. */
export function utcMinute(t: number): string {
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ') + ' UTC'
}
