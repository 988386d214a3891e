// How sizes, speeds, durations and moments read on every page (ux.md: KB/MB/GB with one decimal;
// times as "in 3 days", the exact date on hover and focus).

const UNITS = ['KB', 'MB', 'GB', 'TB'];

/**
 * @param {number} bytes
 * @returns {string} "0 bytes", "1 byte", "512 bytes", "12.3 MB"
 */
export function formatSize(bytes) {
  if (bytes < 1024) return bytes === 1 ? '1 byte' : `${bytes} bytes`;
  let value = bytes / 1024;
  let unit = 0;
  // Compare the rounded value so that 1023.96 KB reads "1.0 MB", not "1024.0 KB".
  while (Math.round(value * 10) / 10 >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** @param {number} bytesPerSecond */
export function formatSpeed(bytesPerSecond) {
  return `${formatSize(Math.round(bytesPerSecond))}/s`;
}

/**
 * @param {number} seconds an estimate, so it is rounded to what a person can use
 * @returns {string} "a few seconds left", "about 3 minutes left", "about 1 hour 20 minutes left"
 */
export function formatTimeLeft(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 10) return 'a few seconds left';
  if (seconds < 60) return `about ${Math.ceil(seconds / 10) * 10} seconds left`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${plural(minutes, 'minute')} left`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `about ${plural(hours, 'hour')}${rest ? ` ${plural(rest, 'minute')}` : ''} left`;
}

/**
 * A whole number with thousands separators, as the server's sentences write them: "104,233".
 * @param {number} n
 */
export function formatCount(n) {
  return n.toLocaleString('en-US');
}

/**
 * @param {number} n
 * @param {string} word
 */
export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * A span of time as people say it, rounded to its largest unit: a link made for 7 days is a
 * few milliseconds short of that when it is shown, and must still read "7 days".
 * @param {number} ms
 * @returns {string} "less than a minute", "1 hour", "23 hours", "7 days"
 */
export function formatDuration(ms) {
  const abs = Math.abs(ms);
  if (abs < MINUTE_MS) return 'less than a minute';
  const minutes = Math.round(abs / MINUTE_MS);
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.round(abs / HOUR_MS);
  if (hours < 24) return plural(hours, 'hour');
  return plural(Math.round(abs / DAY_MS), 'day');
}

/**
 * @param {number} at ms since the epoch
 * @param {number} [now]
 * @returns {string} "in 7 days", "in less than a minute", "3 hours ago"
 */
export function formatRelative(at, now = Date.now()) {
  const words = formatDuration(at - now);
  return at >= now ? `in ${words}` : `${words} ago`;
}

/**
 * The exact moment, in the reader's own locale and time zone.
 * @param {number} at ms since the epoch
 */
export function formatDateTime(at) {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(at);
}
