// The shares made in this browser, kept so that "My shares" can list them. Only what the owner
// API needs and what tells shares apart is kept: never the link secret (the link opens the
// files) and never file names (they are sealed for the recipients alone).
//
// localStorage may be unavailable (disabled storage, some private modes) or full: callers
// learn it from the return values, and the share itself is unaffected.

const KEY = 'sealdrop.shares.v1';

/**
 * @typedef {{ id: string, ownerToken: string, createdAt: number, fileCount: number, totalSize: number }} OwnedShare
 */

/**
 * Every well-formed entry, newest first. An entry another version wrote or someone edited by
 * hand is skipped: its token would otherwise end up in a request header.
 * @returns {OwnedShare[]}
 */
export function loadOwned() {
  /** @type {unknown} */
  let list;
  try {
    list = JSON.parse(localStorage.getItem(KEY) ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  return list.filter(isOwned).sort((a, b) => b.createdAt - a.createdAt);
}

/**
 * @param {OwnedShare} entry
 * @returns {boolean} whether it was stored
 */
export function addOwned(entry) {
  // Read again just before writing: another tab may have added a share since this one loaded.
  return store([entry, ...loadOwned().filter((e) => e.id !== entry.id)]);
}

/**
 * @param {string} id
 * @returns {boolean} whether the list was stored without it
 */
export function forgetOwned(id) {
  return store(loadOwned().filter((e) => e.id !== id));
}

/** @param {OwnedShare[]} list */
function store(list) {
  try {
    localStorage.setItem(KEY, JSON.stringify(list));
    return true;
  } catch {
    return false;
  }
}

/**
 * @param {any} e
 * @returns {e is OwnedShare}
 */
function isOwned(e) {
  return (
    e !== null &&
    typeof e === 'object' &&
    typeof e.id === 'string' &&
    /^[A-Za-z0-9_-]{22}$/.test(e.id) &&
    typeof e.ownerToken === 'string' &&
    /^[A-Za-z0-9_-]{16,256}$/.test(e.ownerToken) &&
    Number.isFinite(e.createdAt) &&
    Number.isInteger(e.fileCount) &&
    e.fileCount >= 0 &&
    Number.isFinite(e.totalSize) &&
    e.totalSize >= 0
  );
}
