// What the inbox does with the account's keys once they are open in this tab (js/pages/inbox/main.js
// unlocks them): a request's link, its secret unwrapped with the account key K, and each file's
// secret out of its stanza. The server holds none of these, so it can neither read a file nor
// pass one off as sent through a link.

/** @typedef {typeof import('../../../pkg/sealdrop_wasm.js')} Sd */
/** @typedef {{ sd: Sd, sk: Uint8Array, pk: Uint8Array, accountKey: Uint8Array, fingerprint: string }} Keys */
/**
 * What a file's stanza and metadata gave: 'ok', 'planted' (the stanza does not open: it was not
 * sealed through the link) or 'tampered' (its metadata does not open).
 * @typedef {{ kind: 'ok' | 'planted' | 'tampered', fs: Uint8Array | null, name: string, size: number }} OpenedFile
 */

/** @type {Keys | null} */
let keys = null;

/**
 * @param {Sd} sd
 * @param {Uint8Array} sk the account's private key
 * @param {Uint8Array} accountKey K, which wraps every request secret
 */
export function setKeys(sd, sk, accountKey) {
  // Links are built from the key computed here, never from one the server hands out.
  const pk = sd.publicKey(sk);
  keys = { sd, sk, pk, accountKey, fingerprint: sd.fingerprint(pk) };
}

/** The keys, or null while the inbox is locked. */
export function openKeys() {
  return keys;
}

/**
 * @param {string} id
 * @param {Uint8Array | null} rs
 */
export function requestLink(id, rs) {
  if (!keys || !rs) return '';
  return `${location.origin}/r/${id}#${keys.sd.b64Encode(keys.pk)}.${keys.sd.b64Encode(rs)}`;
}

/**
 * @param {{ id: string, wrapped_rs: string }} summary
 * @returns {Uint8Array | null}
 */
export function unwrapRs(summary) {
  if (!keys) return null;
  const { sd, accountKey } = keys;
  try {
    return sd.unwrapRequestSecret(accountKey, sd.b64Decode(summary.id), sd.b64Decode(summary.wrapped_rs));
  } catch {
    return null;
  }
}

/**
 * @param {string} requestId
 * @param {Uint8Array | null} rs the request's secret, null when it does not unwrap
 * @param {{ header: string, stanza: string, metadata: string }} file
 * @returns {OpenedFile}
 */
export function openFile(requestId, rs, file) {
  /** @type {OpenedFile} */
  const opened = { kind: 'planted', fs: null, name: 'Unknown file', size: 0 };
  if (!keys || !rs) return opened;
  const { sd, sk } = keys;
  try {
    const header = sd.b64Decode(file.header);
    opened.fs = sd.openStanza(sk, sd.b64Decode(requestId), rs, header, sd.b64Decode(file.stanza));
    opened.kind = 'tampered';
    const meta = sd.openMetadata(opened.fs, header, sd.b64Decode(file.metadata));
    opened.name = String(meta.name);
    opened.size = Number(meta.size);
    opened.kind = 'ok';
  } catch {
    // Planted (the stanza does not open) or tampered (its metadata does not): kind says which.
    if (opened.kind === 'planted') opened.fs = null;
  }
  return opened;
}
