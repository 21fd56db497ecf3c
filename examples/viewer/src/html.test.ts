import { describe, expect, it } from 'vitest'
import { html, qs } from './html.js'

describe('html', () => {
  it('escapes interpolated text but not nested html', () => {
    const name = '<script>alert("x")</script>'
    expect(html`<p>${name}</p>`.value).toBe('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>')
    expect(html`<ul>${['a', 'b'].map((x) => html`<li>${x}</li>`)}</ul>`.value).toBe('<ul><li>a</li><li>b</li></ul>')
  })
  it('builds query strings', () => {
    expect(qs({ a: 'x y', b: undefined, c: '' })).toBe('?a=x+y')
    expect(qs({})).toBe('')
  })
})
