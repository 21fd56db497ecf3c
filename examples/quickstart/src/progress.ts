/**
 * One live status line on a terminal (rewritten in place), plain lines elsewhere (CI logs,
 * pipes), so the output is readable in both.
 */
export class Progress {
  private live = false
  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  /** Replace the live line (on a TTY) or print it (elsewhere, only when `important`). */
  update(text: string, important = false): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${text}`)
      this.live = true
    } else if (important) {
      this.out.write(`${text}\n`)
    }
  }

  /** Print a permanent line. */
  line(text: string): void {
    if (this.live) this.out.write('\r\x1b[2K')
    this.live = false
    this.out.write(`${text}\n`)
  }
}

/** `[#####-----]` for a fraction. */
export function bar(fraction: number, width = 20): string {
  const done = Math.max(0, Math.min(width, Math.round(fraction * width)))
  return `[${'#'.repeat(done)}${'-'.repeat(width - done)}]`
}
