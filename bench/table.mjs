// @ts-check
/** Markdown table of benchmark rows; pure, used by the page and by the driver. */

/** @param {string} s */
const cell = (s) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Order "1" < "2" < "3" < "3b" < "4" …, keeping the worker's order within an id. */
const idKey = (/** @type {string} */ id) => [parseInt(id, 10), id.replace(/^\d+/, '')];

/**
 * @param {import('./measure.mjs').Row[]} rows
 * @returns {string}
 */
export function formatTable(rows) {
  const sorted = rows
    .map((row, i) => ({ row, i }))
    .sort((a, b) => {
      const [an, as] = idKey(a.row.id);
      const [bn, bs] = idKey(b.row.id);
      return Number(an) - Number(bn) || String(as).localeCompare(String(bs)) || a.i - b.i;
    })
    .map((x) => x.row);
  const withRuns = rows.some((r) => (r.runs?.length ?? 0) > 1);
  const head = ['#', 'contender', 'unit', 'MB/s', 'time (s)', ...(withRuns ? ['MB/s per pass'] : []), 'notes'];
  const body = sorted.map((r) => {
    const mbps = r.error ? '**FAILED**' : r.status ? r.status : (r.mbps ?? 0).toFixed(0);
    const secs = r.seconds === undefined ? '' : r.seconds.toFixed(3);
    const runs = r.runs ? r.runs.map((x) => x.toFixed(0)).join(' / ') : '';
    const note = r.error ?? r.note ?? '';
    return [r.id, r.name, r.unit, mbps, secs, ...(withRuns ? [runs] : []), note];
  });
  const align = head.map((h) => (h === 'MB/s' || h === 'time (s)' ? '---:' : '---'));
  return [head, align, ...body].map((cols) => `| ${cols.map((c) => cell(String(c))).join(' | ')} |`).join('\n');
}
