// The emergency kit as a file: the code (wasm kitEncode, crates/core staff.rs) with what a
// person needs to use it again.

/**
 * Hands the emergency kit to the browser as a small text file to keep.
 * @param {{ code: string, email: string, accountId: string }} kit
 */
export function downloadKit(kit) {
  const text = [
    'sealdrop emergency kit',
    '',
    `Site:           ${location.origin}`,
    `Email:          ${kit.email}`,
    `Account id:     ${kit.accountId}`,
    `Emergency kit:  ${kit.code}`,
    `Saved on:       ${new Date().toISOString().slice(0, 10)}`,
    '',
    'Keep this file somewhere safe and apart from your password, for example in a password',
    'manager or printed. You need it, with your password, to open your account on a new device.',
    '',
    'If you lose either your password or this emergency kit, the files sent to your earlier',
    'requests cannot be opened again. Nobody can recover them: not an administrator, not sealdrop.',
    '',
  ].join('\r\n');
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = 'sealdrop-emergency-kit.txt';
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // Late enough for the browser to have started the download.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
