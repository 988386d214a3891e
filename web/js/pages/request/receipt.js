// The request page's receipt: one line per delivered file with the content id the recipient
// will see too, and a text file of it to keep, made in this browser.
//
// Hooks: ul#receipt with one li[data-name="<name>"][data-content-id] per delivered file (in
// section#receipt-section, hidden until the first); #save-receipt.
import { byId, el, setStatus } from '../../lib/dom.js';
import { formatDateTime, formatSize } from '../../lib/format.js';
import { saveText } from '../../lib/text-file.js';

/** @typedef {{ name: string, size: number, contentId: string, at: number }} Receipt */
/** @typedef {{ to: string, requestId: string, fingerprint: string }} ReceiptHead */

const receiptSection = byId('receipt-section', HTMLElement);
const receiptList = byId('receipt', HTMLUListElement);

/** @type {Receipt[]} */
const receipts = [];

/** How many files the receipt lists. */
export function receiptCount() {
  return receipts.length;
}

/**
 * @param {string} name
 * @param {number} size
 * @param {string} contentId
 * @param {number} [at] when it was delivered (a resumed batch's files sent before); now if not given
 */
export function addReceipt(name, size, contentId, at) {
  const receipt = { name, size, contentId, at: at ?? Date.now() };
  receipts.push(receipt);
  receiptList.append(receiptRow(receipt));
  receiptSection.hidden = false;
}

/** @param {Receipt} receipt */
function receiptRow(receipt) {
  const li = el('li', {
    className: 'receipt-row',
    attrs: { 'data-name': receipt.name, 'data-content-id': receipt.contentId },
  });
  const head = el('div', { className: 'file-head' });
  head.append(
    el('span', { className: 'file-name', text: receipt.name }),
    el('span', { className: 'file-size', text: formatSize(receipt.size) }),
  );
  const id = el('p', { className: 'detail' });
  id.append('Content id ', el('code', { className: 'content-id', text: receipt.contentId }));
  li.append(head, id);
  return li;
}

/**
 * A small text file of what was delivered (nothing is sent for it).
 * @param {ReceiptHead} head who the files went to, through which request and key
 */
export function saveReceipt(head) {
  const lines = [
    'sealdrop receipt: files delivered through a file request',
    '',
    `To: ${head.to}`,
    `Request: ${head.requestId}`,
    `Key code: ${head.fingerprint}`,
    `Saved: ${formatDateTime(Date.now())} (${new Date().toISOString()})`,
    '',
    'The content id is BLAKE3 of the encrypted file. The recipient sees the same one when they',
    'download the file, so it shows that what they have is what was sent.',
    '',
  ];
  receipts.forEach((r, i) => {
    lines.push(
      `${i + 1}. ${r.name}`,
      `   Size: ${formatSize(r.size)} (${r.size} bytes)`,
      `   Sent: ${formatDateTime(r.at)} (${new Date(r.at).toISOString()})`,
      `   Content id: ${r.contentId}`,
      '',
    );
  });
  saveText(`sealdrop-receipt-${new Date().toISOString().slice(0, 10)}.txt`, lines);
  setStatus('Receipt saved to your downloads.', 'success');
}
