// The messages between the download page (js/download/writers/staged.js, stagedSink) and the staging
// worker (js/workers/stage-worker.js), which writes a file's plaintext into the origin-private
// file system through a FileSystemSyncAccessHandle (only dedicated workers have one). As types
// only, but for the folder's name, so that tsc checks both sides against one list.
//
// The page asks one thing at a time and waits for its answer: that is the backpressure (one
// chunk in flight), and it keeps the worker's file position simple.

/** The origin-private folder staged files live in; nothing else of sealdrop writes there. */
export const STAGED_DIR = 'sealdrop-staged';

/**
 * Page -> worker: check that a sync access handle can be made here (the writer's feature
 * test), open the staged file `name` in STAGED_DIR, write a chunk (its buffer transferred) at the
 * end, close it once verified, or delete it.
 * @typedef {{ type: 'probe' } | { type: 'open', name: string } | { type: 'chunk', chunk: Uint8Array }
 *   | { type: 'close' } | { type: 'abort' }} ToStage
 */

/**
 * Worker -> page: the answer to each request in turn ('done'), or why it failed: 'quota' when the
 * browser's storage is full, 'storage' for any other failure of the file system.
 * @typedef {{ type: 'done' } | { type: 'error', kind: 'quota' | 'storage', message: string }} FromStage
 */
