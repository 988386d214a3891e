// Small DOM helpers the pages share. Anything that came from a file or the server is set as
// text, never parsed as markup: file names are chosen by whoever sent the file.
import { formatDateTime, formatRelative } from './format.js';

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new (...args: any[]) => T} type
 * @returns {T}
 */
export function byId(id, type) {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`#${id} is missing from the page`);
  return el;
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {{ className?: string, text?: string, attrs?: Record<string, string> }} [options]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, options = {}) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  for (const [name, value] of Object.entries(options.attrs ?? {})) node.setAttribute(name, value);
  return node;
}

/**
 * Sets the page's live status line; `kind` 'error' gives it the error look.
 * @param {string} text
 * @param {'info' | 'error' | 'success'} [kind]
 */
export function setStatus(text, kind = 'info') {
  showStatus(byId('status', HTMLElement), text, kind);
}

/**
 * Sets a status line of a section of the page (an element with aria-live), as setStatus does
 * for the page's own.
 * @param {HTMLElement} status
 * @param {string} text
 * @param {'info' | 'error' | 'success'} [kind]
 */
export function showStatus(status, text, kind = 'info') {
  status.textContent = text;
  status.dataset.kind = kind;
}

/** @param {string} state */
export function setPageState(state) {
  document.body.dataset.state = state;
}

/**
 * A moment as "in 7 days". The exact date and time shows on hover and on keyboard focus (a
 * tooltip drawn by the stylesheet from data-exact, since the CSP allows no inline style) and
 * is in the text for screen readers, which neither hover nor see the tooltip.
 * @param {number} at ms since the epoch
 * @param {number} [now]
 * @returns {HTMLTimeElement}
 */
export function timeEl(at, now = Date.now()) {
  const exact = formatDateTime(at);
  const node = el('time', {
    className: 'when',
    text: formatRelative(at, now),
    attrs: { datetime: new Date(at).toISOString(), tabindex: '0', 'data-exact': exact },
  });
  node.append(el('span', { className: 'visually-hidden', text: ` (${exact})` }));
  return node;
}

/**
 * Makes `button` show and hide the password typed in `input`. The button says what it will do
 * ("Show" / "Hide"), so it needs no pressed state on top.
 * @param {HTMLInputElement} input
 * @param {HTMLButtonElement} button
 * @returns {() => void} hides the password again (before a reset, so it is not left on screen)
 */
export function setupPasswordToggle(input, button) {
  /** @param {boolean} show */
  const set = (show) => {
    input.type = show ? 'text' : 'password';
    button.textContent = show ? 'Hide' : 'Show';
    button.setAttribute('aria-label', show ? 'Hide password' : 'Show password');
  };
  button.setAttribute('aria-controls', input.id);
  set(false);
  button.addEventListener('click', () => set(input.type === 'password'));
  return () => set(false);
}

/**
 * A table cell that names its column, for the narrow layout where rows stack as cards.
 * @param {string} label
 * @param {(Node | string)[]} content
 */
export function cell(label, ...content) {
  const td = el('td', { attrs: { 'data-label': label } });
  // One box for the content, so that the narrow layout's label and the content sit side by side.
  const body = el('div');
  body.append(...content);
  td.append(body);
  return td;
}
