// @ts-check
/**
 * The benchmark's input: one random block (8 MiB at most) repeated until the
 * requested size is reached. Every contender reads the same bytes, and the
 * worker never holds more than one block of plaintext.
 */

export const KiB = 1024;
export const MiB = 1024 * KiB;
/** Size of each push into an engine, and of the reused block. */
export const PUSH_BYTES = 8 * MiB;
/** Record / message size for the raw WebCrypto, libsodium and RFC 8188 contenders. */
export const RECORD_BYTES = 64 * KiB;
/** crypto.getRandomValues refuses more than 65536 bytes per call. */
const RANDOM_PIECE = 65536;

export class Source {
  /**
   * @param {Uint8Array<ArrayBuffer>} block bytes cycled to make up the stream;
   *   backed by a plain ArrayBuffer, so its views can go straight to WebCrypto
   * @param {number} total stream length in bytes
   */
  constructor(block, total) {
    this.block = block;
    this.total = total;
  }

  /**
   * @param {number} total stream length; either at most 8 MiB or a multiple of
   *   8 MiB, so the stream is whole blocks and every push is a full block.
   */
  static random(total) {
    if (total > PUSH_BYTES && total % PUSH_BYTES !== 0) {
      throw new RangeError(`stream length must be <= 8 MiB or a multiple of 8 MiB, got ${total}`);
    }
    const block = new Uint8Array(Math.min(total, PUSH_BYTES));
    for (let off = 0; off < block.length; off += RANDOM_PIECE) {
      crypto.getRandomValues(block.subarray(off, off + RANDOM_PIECE));
    }
    return new Source(block, total);
  }

  /**
   * The first `n` bytes of the same stream (used for warm-up passes).
   * @param {number} n
   */
  prefix(n) {
    return new Source(this.block, Math.min(n, this.total));
  }

  /**
   * The stream as pushes of up to 8 MiB, each a view of the shared block:
   * consumers must copy (wasm-bindgen, WebCrypto and libsodium all do).
   */
  *pushes() {
    for (let off = 0; off < this.total; off += this.block.length) {
      yield this.block.subarray(0, Math.min(this.block.length, this.total - off));
    }
  }

  /** The stream cut into records of `size` bytes (the last one may be short). */
  *records(size = RECORD_BYTES) {
    for (const push of this.pushes()) {
      for (let off = 0; off < push.length; off += size) yield push.subarray(off, off + size);
    }
  }

  /**
   * Spot check that `piece` is the stream at `offset`: its first and last 32
   * bytes. Cheap enough to run inside timed loops; with random data and the
   * content id check it catches misordered, shifted or garbled output.
   * @param {Uint8Array} piece
   * @param {number} offset
   */
  matchesAt(piece, offset) {
    const n = piece.length;
    const b = this.block;
    for (let i = 0; i < n; i = i === 31 && n > 64 ? n - 32 : i + 1) {
      if (piece[i] !== b[(offset + i) % b.length]) return false;
    }
    return true;
  }
}
