// Small DOM helpers both pages use. Anything that came from a file or the server is set as
// text, never parsed as markup: file names are chosen by whoever sent the file.

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
  const status = byId('status', HTMLElement);
  status.textContent = text;
  status.dataset.kind = kind;
}

/** @param {string} state */
export function setPageState(state) {
  document.body.dataset.state = state;
}
