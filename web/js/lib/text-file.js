// A small text file made on the page (a receipt, the emergency kit), handed to the browser as
// a download; nothing is sent anywhere.

/**
 * Hands a small text file made on this page to the browser as a download (nothing is sent).
 * @param {string} name
 * @param {string[]} lines
 */
export function saveText(name, lines) {
  const url = URL.createObjectURL(new Blob([lines.join('\r\n')], { type: 'text/plain;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later: some browsers start reading the file only after the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
