// The admin console's checkpoint card (section#checkpoint on /admin, GET /api/audit/checkpoint):
// the public key that verifies the log's checkpoints, the newest event, and the latest signed
// checkpoint, each to copy and keep outside sealdrop.
//
// Hooks: section#checkpoint with data-state loading | ready | unsigned (no key configured) |
// error; input#checkpoint-key (hex) with button#checkpoint-key-copy; dd#checkpoint-head (the
// head seq), dd#checkpoint-seq, #checkpoint-time, #checkpoint-hash, #checkpoint-sig;
// input#checkpoint-line (the checkpoint as one JSON line, {"checkpoint":{seq,hash,time_ms,sig}} as
// in exports) with button#checkpoint-copy.
import { apiJson, apiSentence } from '../../lib/api.js';
import { byId, showStatus, timeEl } from '../../lib/dom.js';
import { formatCount } from '../../lib/format.js';
import { copyLink } from '../../lib/forms.js';
import { goToSignIn, isSignedOut } from '../../lib/session.js';

const section = byId('checkpoint', HTMLElement);
const status = byId('checkpoint-status', HTMLElement);
const keyInput = byId('checkpoint-key', HTMLInputElement);
const keyCopy = byId('checkpoint-key-copy', HTMLButtonElement);
const head = byId('checkpoint-head', HTMLElement);
const seq = byId('checkpoint-seq', HTMLElement);
const time = byId('checkpoint-time', HTMLElement);
const hash = byId('checkpoint-hash', HTMLElement);
const sig = byId('checkpoint-sig', HTMLElement);
const lineInput = byId('checkpoint-line', HTMLInputElement);
const lineCopy = byId('checkpoint-copy', HTMLButtonElement);

export async function startCheckpoint() {
  keyCopy.addEventListener('click', () => copyLink(keyInput, keyCopy, 'public key'));
  lineCopy.addEventListener('click', () => copyLink(lineInput, lineCopy, 'checkpoint'));
  keyCopy.disabled = true;
  lineCopy.disabled = true;
  /** @type {any} */
  let got;
  try {
    got = await apiJson('/api/audit/checkpoint');
  } catch (err) {
    if (isSignedOut(err)) return void goToSignIn();
    section.dataset.state = 'error';
    for (const dd of [head, seq, time, hash, sig]) dd.textContent = 'Not known';
    showStatus(
      status,
      `${apiSentence(err)} The checkpoint could not be loaded. Reload the page to try again.`,
      'error',
    );
    return;
  }
  const key = typeof got?.public_key === 'string' ? got.public_key : '';
  keyInput.value = key;
  keyCopy.disabled = key === '';
  const headSeq = Number(got?.head?.seq);
  head.textContent = Number.isFinite(headSeq) ? `Seq ${formatCount(headSeq)}` : 'None yet';

  const cp = got?.checkpoint;
  if (cp && typeof cp === 'object') {
    const checkpoint = {
      seq: Number(cp.seq),
      hash: String(cp.hash ?? ''),
      time_ms: Number(cp.time_ms),
      sig: String(cp.sig ?? ''),
    };
    seq.textContent = `Seq ${formatCount(checkpoint.seq)}`;
    time.replaceChildren(Number.isFinite(checkpoint.time_ms) ? timeEl(checkpoint.time_ms) : 'Not known');
    hash.textContent = checkpoint.hash;
    sig.textContent = checkpoint.sig;
    // The line as exports carry it, so that a saved copy reads like one.
    lineInput.value = JSON.stringify({ checkpoint });
    lineCopy.disabled = false;
  } else {
    for (const dd of [seq, time, hash, sig]) dd.textContent = 'None yet';
  }

  if (!key) {
    section.dataset.state = 'unsigned';
    showStatus(
      status,
      'This server has no signing key for the log, so its checkpoints are not signed. Ask whoever runs sealdrop to set one up.',
      'error',
    );
  } else {
    section.dataset.state = 'ready';
    showStatus(
      status,
      cp ? '' : 'No checkpoint has been signed yet. They are signed at regular intervals; come back later to copy one.',
    );
  }
}
