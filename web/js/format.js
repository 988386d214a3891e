// How sizes, speeds and durations read on every page (ux.md: KB/MB/GB with one decimal).

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
 * @param {number} n
 * @param {string} word
 */
export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
