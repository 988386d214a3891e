// Speed and time left from a byte counter, shared by the upload and download rows.
import { formatSize, formatSpeed, formatTimeLeft } from './format.js';

// Long enough to smooth out part-sized steps (a part is ~5 MB and lands all at once), short
// enough that the estimate follows a connection that slows down.
const WINDOW_MS = 8000;

export class RateMeter {
  constructor() {
    /** @type {{ t: number, bytes: number }[]} */
    this.samples = [];
  }

  /**
   * @param {number} bytes the running total so far
   * @param {number} [now]
   */
  sample(bytes, now = performance.now()) {
    this.samples.push({ t: now, bytes });
    while (this.samples.length > 2 && now - this.samples[0].t > WINDOW_MS) this.samples.shift();
  }

  /** @returns {number} bytes per second, 0 until there is enough to tell */
  rate() {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || last.t - first.t < 500) return 0;
    return ((last.bytes - first.bytes) * 1000) / (last.t - first.t);
  }

  reset() {
    this.samples = [];
  }
}

/**
 * One line under a progress bar: "12.3 MB of 40.0 MB · 8.1 MB/s · about 4 seconds left".
 * @param {number} done
 * @param {number} total
 * @param {RateMeter} meter
 */
export function progressLine(done, total, meter) {
  const parts = [`${formatSize(done)} of ${formatSize(total)}`];
  const rate = meter.rate();
  if (rate > 0 && done < total) {
    parts.push(formatSpeed(rate));
    const left = formatTimeLeft((total - done) / rate);
    if (left) parts.push(left);
  }
  return parts.join(' · ');
}

/**
 * Sets a <progress> to a fraction.
 * @param {HTMLProgressElement} bar
 * @param {number} done
 * @param {number} total
 */
export function setBar(bar, done, total) {
  bar.max = 1;
  bar.value = total > 0 ? Math.min(1, done / total) : 0;
}
