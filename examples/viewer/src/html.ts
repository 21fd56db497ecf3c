import { xmlSafeText } from '@pggraph/core'

/** A piece of HTML that is already safe (escaped or built by {@link safe}). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/**
 * Escape text for HTML element content and double-quoted attributes. Characters HTML and XML
 * forbid (control characters, unpaired surrogates) become U+FFFD: a hostile table name shows
 * as a visible mark, never as broken markup.
 */
export function esc(v: unknown): string {
  return xmlSafeText(String(v).replace(/[&<>"']/g, (c) => ESCAPES[c]!))
}

type Part = SafeHtml | string | number | boolean | null | undefined | readonly Part[]

function render(p: Part): string {
  if (p === null || p === undefined || p === false) return ''
  if (p instanceof SafeHtml) return p.value
  if (Array.isArray(p)) return (p as readonly Part[]).map(render).join('')
  return esc(p)
}

/**
 * Tagged template that escapes every interpolated value unless it is {@link SafeHtml}
 * (nested `safe` results, arrays of them): the only way pages are built, so user-controlled
 * text (table names, errors) cannot inject markup.
 */
export function safe(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0]!
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!
  return new SafeHtml(out)
}

/** A query string from parameters, skipping empty ones. */
export function qs(params: Readonly<Record<string, string | undefined>>): string {
  const u = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.set(k, v)
  const s = u.toString()
  return s ? `?${s}` : ''
}

/** The page frame: head with the external stylesheet and script, header, main content. */
export function layout(input: { title: string; body: SafeHtml; header?: SafeHtml | undefined }): string {
  return `<!doctype html>\n${
    safe`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${input.title} · pggraph</title>
<link rel="stylesheet" href="/static/style.css">
<script src="/static/viewer.js" defer></script>
</head>
<body>
<header class="top"><a class="brand" href="/">pggraph</a>${input.header}</header>
<main>
${input.body}
</main>
</body>
</html>
`.value
  }`
}
