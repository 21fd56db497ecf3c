import { pgStatStatements } from '@pggraph/collector/definitions'
import { timeseries } from './define.js'
import { byLabel } from './source.js'

const TOP = 10

/** Shorten a statement to one line of at most `max` characters for a legend. */
export function shortQuery(text: string, max = 60): string {
  const one = text.replace(/\s+/g, ' ').trim()
  return one.length > max ? `${one.slice(0, max - 1)}…` : one
}

/** pg_stat_statements (the statements row). */
export const statementGraphs = [
  timeseries({
    name: 'statements.total_time',
    title: 'Top statements by total execution time',
    group: 'statements',
    description: `Execution time spent per second by the ${TOP} statements with the most (pg_stat_statements total_exec_time): 1000 ms/s is one core busy.`,
    lines: [
      byLabel(pgStatStatements, ['total_exec_time'], ['query'], {
        nameOf: (l) => (l['query'] ? shortQuery(l['query']) : `queryid ${l['queryid'] ?? '?'}`),
        top: TOP,
      }),
    ],
  }),
  timeseries({
    name: 'statements.jit_time',
    title: 'Top statements by JIT compile time',
    group: 'statements',
    description: `Time spent per second JIT-compiling (generation, inlining, optimization, emission) by the ${TOP} statements with the most generation time: a short query that pays more to compile than to run wants jit_above_cost raised.`,
    noDataHint: 'JIT columns exist from pg_stat_statements 1.10 (PostgreSQL 15) on a server built with LLVM.',
    lines: [
      byLabel(
        pgStatStatements,
        ['jit_generation_time', 'jit_inlining_time', 'jit_optimization_time', 'jit_emission_time'],
        ['query'],
        {
          nameOf: (l) => (l['query'] ? shortQuery(l['query']) : `queryid ${l['queryid'] ?? '?'}`),
          top: TOP,
        },
      ),
    ],
  }),
] as const
