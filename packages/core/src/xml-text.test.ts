import { describe, expect, it } from 'vitest'
import { xmlSafeText } from './xml-text.js'

describe('xmlSafeText', () => {
  it('replaces what XML cannot hold and keeps the rest', () => {
    expect(xmlSafeText('a\u0001\u0008b\u000Bc\u001F')).toBe('a\uFFFD\uFFFDb\uFFFDc\uFFFD')
    expect(xmlSafeText('tab\tnl\ncr\r')).toBe('tab\tnl\ncr\r')
    expect(xmlSafeText('\uFFFE\uFFFF')).toBe('\uFFFD\uFFFD')
    expect(xmlSafeText('lone \uD800 and \uDC00')).toBe('lone \uFFFD and \uFFFD')
    expect(xmlSafeText('pair \uD83D\uDE00 é \u202Etxt ]]>')).toBe('pair \uD83D\uDE00 é \u202Etxt ]]>')
    expect(xmlSafeText('a'.repeat(10))).toBe('a'.repeat(10))
  })
  it('replaces every such character, not just the first', () => {
    expect(xmlSafeText('\u0001x\u0002'.repeat(3))).toBe('\uFFFDx\uFFFD'.repeat(3))
  })
})
