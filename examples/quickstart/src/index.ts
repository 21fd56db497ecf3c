/**
 * The quickstart behind `npm start`, as a library so tests can run it shortened.
 *
 * @packageDocumentation
 */
export { runQuickstart, QUICKSTART_SCHEMA, type QuickstartResult } from './quickstart.js'
export { parseOptions, USAGE, type QuickstartOptions } from './options.js'
export { writeReport, type Report } from './report.js'
export { Progress, bar } from './progress.js'
export { startEmbeddedTarget, type Target } from './target.js'
export { findPgbench, prepareWorkload, runWorkload, type WorkloadStats } from './workload.js'
