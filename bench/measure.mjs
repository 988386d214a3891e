// @ts-check
/** Timing helpers shared by the contenders. MB = 10^6 bytes. */

/**
 * @typedef {object} Row
 * @property {string} id        row number from the brief ("1", "2", "3b", …)
 * @property {string} name      what was measured
 * @property {string} unit      chunk / record size
 * @property {number} [bytes]   plaintext bytes per timed pass
 * @property {number} [seconds] median time of the timed passes
 * @property {number} [mbps]    plaintext MB/s of the median pass
 * @property {number[]} [runs]  MB/s of every timed pass
 * @property {string} [note]
 * @property {string} [status]  set instead of numbers when not measured ("n/a …")
 * @property {string} [error]   set when the contender failed (the run then exits non-zero)
 */

/** @param {number[]} xs */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * @param {number} bytes
 * @param {number} ms
 */
export function mbPerSecond(bytes, ms) {
  return bytes / 1e6 / (ms / 1e3);
}

/**
 * Run `pass` `reps` times back to back, timing each with performance.now().
 * @template T
 * @param {number} reps
 * @param {() => Promise<T>} pass
 * @returns {Promise<{ ms: number[], last: T }>}
 */
export async function timePasses(reps, pass) {
  /** @type {number[]} */
  const ms = [];
  /** @type {T | undefined} */
  let last;
  for (let i = 0; i < reps; i++) {
    last = undefined; // let the previous pass's output be collected first
    const t0 = performance.now();
    last = await pass();
    ms.push(performance.now() - t0);
  }
  return { ms, last: /** @type {T} */ (last) };
}

/**
 * @param {Pick<Row, 'id' | 'name' | 'unit' | 'note'>} what
 * @param {number} bytes
 * @param {number[]} ms
 * @returns {Row}
 */
export function measuredRow(what, bytes, ms) {
  const med = median(ms);
  return {
    ...what,
    bytes,
    seconds: med / 1e3,
    mbps: mbPerSecond(bytes, med),
    runs: ms.map((m) => mbPerSecond(bytes, m)),
  };
}

/** Release big buffers between contenders when Chromium runs with --expose-gc. */
export function collectGarbage() {
  /** @type {any} */ (globalThis).gc?.();
}
