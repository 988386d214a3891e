// A table row's actions: its small buttons, the question that takes their place before
// something that cannot be undone, and where focus goes when the row is drawn again.
import { el } from '../lib/dom.js';

/**
 * A small button of a row.
 * @param {string} text
 * @param {string} className what the row's focus and the tests find it by, and its look
 * @param {() => void} onClick
 * @param {{ busy?: boolean, describedBy?: string, label?: string }} [options]
 */
export function rowButton(text, className, onClick, options = {}) {
  /** @type {Record<string, string>} */
  const attrs = { type: 'button' };
  if (options.describedBy) attrs['aria-describedby'] = options.describedBy;
  if (options.label) attrs['aria-label'] = options.label;
  const b = el('button', { className: `button small ${className}`, text, attrs });
  b.disabled = options.busy === true;
  b.addEventListener('click', onClick);
  return b;
}

/**
 * Focuses the row's button of that class, or else its first control, so that focus never falls
 * back to the top of the page when the row is redrawn.
 * @param {HTMLTableRowElement} tr
 * @param {string} className
 */
export function focusIn(tr, className) {
  const target =
    tr.querySelector(`button.${className}:not(:disabled)`) ?? tr.querySelector('button:not(:disabled), select, time');
  if (target instanceof HTMLElement) target.focus();
}

/**
 * A question and its two answers, in place of a row's actions. The caller focuses Keep first,
 * so that a stray Enter changes nothing; Escape keeps too.
 * @param {string} id the question's id
 * @param {string} question
 * @param {HTMLButtonElement} yes
 * @param {HTMLButtonElement} keep
 */
export function confirmGroup(id, question, yes, keep) {
  const q = el('p', { className: 'confirm-question', text: question, attrs: { id } });
  const group = el('div', { className: 'confirm', attrs: { role: 'group', 'aria-labelledby': id } });
  group.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') keep.click();
  });
  const buttons = el('div', { className: 'row-actions' });
  buttons.append(yes, keep);
  group.append(q, buttons);
  return group;
}
