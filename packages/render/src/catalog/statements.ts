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
] as const
