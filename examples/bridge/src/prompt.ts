import { createInterface } from 'node:readline/promises'

/** Questions on a terminal; one interface for a whole dialogue so typed-ahead lines are not lost. */
export class Prompter {
  private readonly rl

  constructor(input: NodeJS.ReadableStream, output: NodeJS.WritableStream) {
    this.rl = createInterface({ input, output, terminal: true })
  }

  /** Ask until the answer passes `check` (which returns an error message or `undefined`). */
  async ask(
    question: string,
    options: { default?: string; check?: (answer: string) => string | undefined } = {},
  ): Promise<string> {
    for (;;) {
      const shown = options.default ? `${question} [${options.default}]: ` : `${question}: `
      const answer = (await this.rl.question(shown)).trim() || options.default || ''
      const problem = answer === '' ? 'a value is needed' : options.check?.(answer)
      if (!problem) return answer
      this.rl.write(`  ${problem}\n`)
    }
  }

  /** A yes/no question; `false` unless the answer starts with y. */
  async confirm(question: string): Promise<boolean> {
    return /^y/i.test((await this.rl.question(`${question} [y/N]: `)).trim())
  }

  close(): void {
    this.rl.close()
  }
}
