import { describe, expect, it } from 'vitest'
import { sqlStateOf } from './error-chain.js'
import { PggraphError, isPggraphError } from './errors.js'

describe('PggraphError and SQLSTATEs', () => {
  it('keeps the driver error as cause and finds its SQLSTATE through the chain', () => {
    const pgErr = Object.assign(new Error('permission denied for table x'), { code: '42501' })
    const err = new PggraphError('PERMISSION', 'The writer may not read x.', { cause: pgErr })
    expect(isPggraphError(err, 'PERMISSION')).toBe(true)
    expect(isPggraphError(err, 'CONFIG')).toBe(false)
    expect(err.cause).toBe(pgErr)
    expect(sqlStateOf(err)).toBe('42501')
    expect(sqlStateOf(Object.assign(new Error('x'), { code: 'XX000' }))).toBe('XX000')
  })

  it('does not take pggraph codes or Node error codes for SQLSTATEs', () => {
    expect(sqlStateOf(new PggraphError('QUERY', 'failed'))).toBeUndefined()
    expect(sqlStateOf(new PggraphError('STORE', 'failed'))).toBeUndefined()
    expect(sqlStateOf(Object.assign(new Error('pipe'), { code: 'EPIPE' }))).toBeUndefined()
    expect(sqlStateOf(Object.assign(new Error('perm'), { code: 'EPERM' }))).toBeUndefined()
    expect(sqlStateOf('not an error')).toBeUndefined()
  })
})
