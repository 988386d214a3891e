// The emergency kit as a file: the code (wasm kitEncode, crates/core staff.rs) with what a
// person needs to use it again.
import { saveText } from './text-file.js';

/**
 * Hands the emergency kit to the browser as a small text file to keep.
 * @param {{ code: string, email: string, accountId: string }} kit
 */
export function downloadKit(kit) {
  saveText('sealdrop-emergency-kit.txt', [
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
  ]);
}
