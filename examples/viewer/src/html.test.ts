import { describe, expect, it } from 'vitest'
import { qs, safe } from './html.js'

describe('safe', () => {
  it('escapes interpolated text but not nested html', () => {
    const name = '<script>alert("x")</script>'
    expect(safe`<p>${name}</p>`.value).toBe('<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>')
    expect(safe`<ul>${['a', 'b'].map((x) => safe`<li>${x}</li>`)}</ul>`.value).toBe('<ul><li>a</li><li>b</li></ul>')
  })
  it('builds query strings', () => {
    expect(qs({ a: 'x y', b: undefined, c: '' })).toBe('?a=x+y')
    expect(qs({})).toBe('')
  })
})
