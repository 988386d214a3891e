// Dropping files on the upload pages (share, request): the zone lights up while files are
// dragged over it, and what was dropped is read into files, folders walked where the page takes
// them.
import { setStatus } from '../lib/dom.js';

/** @typedef {{ file: File, name: string }} Dropped a file and the name it goes by */

/**
 * @param {HTMLElement} zone
 * @param {() => boolean} canDrop whether the page takes files now
 * @param {(data: DataTransfer) => void} onDrop called while the drop event runs
 */
export function setupDropZone(zone, canDrop, onDrop) {
  // Without these, a file dropped next to the zone would replace the page with the file.
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => e.preventDefault());
  zone.addEventListener('dragenter', (e) => {
    e.preventDefault();
    if (canDrop()) zone.classList.add('dragging');
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = canDrop() ? 'copy' : 'none';
  });
  zone.addEventListener('dragleave', (e) => {
    if (!(e.relatedTarget instanceof Node && zone.contains(e.relatedTarget))) zone.classList.remove('dragging');
  });
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('dragging');
    if (!canDrop() || !e.dataTransfer) return;
    onDrop(e.dataTransfer);
  });
}

/**
 * The dropped files, named as they are, and the dropped folders, still to be walked. Must run
 * while the drop event does: the list empties once it returns.
 * @param {DataTransfer} data
 * @returns {{ files: Dropped[], folders: FileSystemDirectoryEntry[] }}
 */
export function splitDrop(data) {
  const items = Array.from(data.items ?? []).filter((item) => item.kind === 'file');
  const entries = items.map((item) => item.webkitGetAsEntry?.() ?? null);
  /** @type {Dropped[]} */
  const files = [];
  /** @type {FileSystemDirectoryEntry[]} */
  const folders = [];
  if (items.length === 0 || entries.every((entry) => entry === null)) {
    for (const file of Array.from(data.files)) files.push({ file, name: file.name });
  } else {
    entries.forEach((entry, i) => {
      if (entry?.isDirectory) {
        folders.push(/** @type {FileSystemDirectoryEntry} */ (entry));
      } else {
        const file = items[i].getAsFile();
        if (file) files.push({ file, name: file.name });
      }
    });
  }
  return { files, folders };
}

/**
 * Every file under a dropped folder, named by its path from the folder's parent ("Photos/2024/a.jpg").
 * @param {FileSystemDirectoryEntry} dir
 * @param {string} [prefix]
 * @returns {Promise<Dropped[]>}
 */
export async function walkFolder(dir, prefix = `${dir.name}/`) {
  /** @type {Dropped[]} */
  const out = [];
  const reader = dir.createReader();
  // readEntries answers in batches (100 in Chromium) until it answers an empty one.
  for (;;) {
    /** @type {FileSystemEntry[]} */
    const entries = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (entries.length === 0) break;
    for (const entry of entries) {
      if (entry.isDirectory) {
        out.push(...(await walkFolder(/** @type {FileSystemDirectoryEntry} */ (entry), `${prefix}${entry.name}/`)));
      } else if (entry.isFile) {
        const fileEntry = /** @type {FileSystemFileEntry} */ (entry);
        /** @type {File} */
        const file = await new Promise((resolve, reject) => fileEntry.file(resolve, reject));
        out.push({ file, name: `${prefix}${entry.name}` });
      }
    }
  }
  return out;
}

/**
 * Hands the dropped files to `add`, a folder's files named by their path in it, once every
 * dropped folder was walked (or, if one cannot be read, the loose files alone, and says so).
 * Must run while the drop event does.
 * @param {DataTransfer} data
 * @param {(files: Dropped[]) => void} add
 */
export function readDrop(data, add) {
  const { files, folders } = splitDrop(data);
  if (folders.length === 0) return add(files);
  setStatus('Reading the folder…');
  Promise.all(folders.map((dir) => walkFolder(dir)))
    .then((found) => add([...files, ...found.flat()]))
    .catch(() => {
      add(files);
      setStatus('A dropped folder could not be read. Choose its files with Choose files instead.', 'error');
    });
}
