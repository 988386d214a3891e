//! Streaming seal and open of a payload (format-v1.md, Payload), as sans-I/O state machines.
//!
//! Two halves, so that engines of either kind share every rule:
//! - [`Cutter`] cuts a byte stream into plaintext chunks or ciphertext slots, holding one back
//!   until it is known whether it is the last; [`SlotPos`] carries the reading rules (which
//!   nonce, which error when a slot does not open). They do no cryptography and hold no bytes,
//!   so the browser module drives them with WebCrypto over JavaScript memory.
//! - [`ChunkFramer`] and [`SlotSplitter`] are cutters that keep the bytes in `Vec`s.
//! - [`Sealer`] and [`Opener`] drive them with a synchronous [`ChunkAead`].
//!
//! Neither side ever holds more than one chunk (plus what a single push hands it).

use crate::aead::{ChunkAead, SoftAead, TAG_LEN};
use crate::content::{ContentHasher, ContentId};
use core::ops::Range;

use crate::error::Error;
use crate::header::{Header, HEADER_LEN};
use crate::keys::{FileKeys, FileSecret};
use crate::layout::PayloadLayout;
use crate::nonce::Nonce;

/// The cutting rule of both directions: a stream is cut into pieces of `size` bytes, and the
/// newest piece is held back until more data shows that it is not the final one.
///
/// It tracks lengths only; the caller keeps the bytes, so that an engine can hand pieces to
/// WebCrypto straight from JavaScript memory. Invariant: a piece is emitted only when full and
/// followed by at least one more byte; `finish` names the final piece (empty only if it is the
/// first).
pub struct Cutter {
    size: usize,
    open_len: usize,
    next_index: u64,
    finished: bool,
}

impl Cutter {
    pub fn new(size: usize) -> Self {
        Cutter {
            size,
            open_len: 0,
            next_index: 0,
            finished: false,
        }
    }

    /// Walks a push of `len` bytes in order, telling `on` what to do with them (see [`Cut`]).
    pub fn push(&mut self, len: usize, mut on: impl FnMut(Cut)) -> Result<(), Error> {
        if self.finished {
            return Err(Error::Finished);
        }
        let mut at = 0;
        while at < len {
            if self.open_len == self.size {
                on(Cut::Emit(self.next_index));
                self.next_index += 1;
                self.open_len = 0;
            }
            let n = (self.size - self.open_len).min(len - at);
            on(Cut::Take(at..at + n));
            self.open_len += n;
            at += n;
        }
        Ok(())
    }

    /// Ends the stream: the open piece (of [`Cutter::open_len`] bytes) is the final one, with
    /// this index.
    pub fn finish(&mut self) -> Result<u64, Error> {
        if self.finished {
            return Err(Error::Finished);
        }
        self.finished = true;
        Ok(self.next_index)
    }

    /// Bytes in the open piece so far.
    pub fn open_len(&self) -> usize {
        self.open_len
    }

    /// Forgets the open piece, for a reader that lost its connection: the stream goes on with
    /// the bytes from the returned offset (the start of the open piece, whose predecessors were
    /// all emitted), fetched again.
    pub fn rewind(&mut self) -> Result<u64, Error> {
        if self.finished {
            return Err(Error::Finished);
        }
        self.open_len = 0;
        Ok(self.next_index * self.size as u64)
    }

    pub fn size(&self) -> usize {
        self.size
    }
}

/// What a [`Cutter`] tells its caller to do during a push.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cut {
    /// Append these bytes of the push's input to the open piece (a new piece starts when the
    /// open one is empty).
    Take(Range<usize>),
    /// The open piece, of this index, is full and not final: close it.
    Emit(u64),
}

/// A [`Cutter`] that keeps the open piece in a `Vec`.
struct HoldBack {
    cutter: Cutter,
    /// Room reserved past `size` in each piece's buffer (a tag, so sealing in place does not
    /// reallocate).
    spare: usize,
    buf: Vec<u8>,
}

impl HoldBack {
    fn new(size: usize, spare: usize) -> Self {
        HoldBack {
            cutter: Cutter::new(size),
            spare,
            buf: Vec::new(),
        }
    }

    fn push(&mut self, data: &[u8], mut emit: impl FnMut(u64, Vec<u8>)) -> Result<(), Error> {
        let capacity = self.cutter.size() + self.spare;
        let buf = &mut self.buf;
        self.cutter.push(data.len(), |cut| match cut {
            Cut::Take(range) => {
                if buf.capacity() == 0 {
                    buf.reserve_exact(capacity);
                }
                buf.extend_from_slice(&data[range]);
            }
            Cut::Emit(index) => emit(index, core::mem::take(buf)),
        })
    }

    fn rewind(&mut self) -> Result<u64, Error> {
        self.buf.clear();
        self.cutter.rewind()
    }

    /// The held-back piece, which is the final one.
    fn finish(&mut self) -> Result<(u64, Vec<u8>), Error> {
        let index = self.cutter.finish()?;
        Ok((index, core::mem::take(&mut self.buf)))
    }
}

/// A plaintext chunk ready to be sealed under [`PlainChunk::nonce`] with the header as AAD.
pub struct PlainChunk {
    pub nonce: Nonce,
    pub data: Vec<u8>,
}

/// Cuts plaintext, pushed in any slicing, into chunks of `C` bytes; the last chunk holds the
/// rest and is empty only when the whole plaintext is.
pub struct ChunkFramer(HoldBack);

impl ChunkFramer {
    pub fn new(header: &Header) -> Self {
        ChunkFramer(HoldBack::new(header.chunk_size(), TAG_LEN))
    }

    /// Takes plaintext; hands every chunk now known not to be the last to `emit`, in order.
    pub fn push(&mut self, data: &[u8], mut emit: impl FnMut(PlainChunk)) -> Result<(), Error> {
        self.0.push(data, |i, data| {
            emit(PlainChunk {
                nonce: Nonce::for_chunk(i, false),
                data,
            })
        })
    }

    /// The last chunk. Nothing may be pushed afterwards.
    pub fn finish(&mut self) -> Result<PlainChunk, Error> {
        let (i, data) = self.0.finish()?;
        Ok(PlainChunk {
            nonce: Nonce::for_chunk(i, true),
            data,
        })
    }
}

/// Where a ciphertext slot lies and the rules for reading it: which nonce, and which error
/// when it does not open. Slots are `C + 16` bytes; the final one may be shorter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotPos {
    pub index: u64,
    pub is_final: bool,
    /// The slot's length in bytes.
    pub len: usize,
    /// Whether the slot has the full `C + 16` bytes.
    pub full: bool,
}

impl SlotPos {
    /// A non-final slot (always full).
    pub fn inner(index: u64, slot_len: usize) -> Self {
        SlotPos {
            index,
            is_final: false,
            len: slot_len,
            full: true,
        }
    }

    /// The final slot, of `len` bytes.
    pub fn last(index: u64, len: usize, slot_len: usize) -> Self {
        SlotPos {
            index,
            is_final: true,
            len,
            full: len == slot_len,
        }
    }

    /// The nonce the slot must open under: last exactly when it is the final slot.
    pub fn nonce(&self) -> Nonce {
        Nonce::for_chunk(self.index, self.is_final)
    }

    /// Checks made before any decryption: an empty final slot is `truncated` (an empty payload,
    /// or, after a rewind, a stream that stopped right after a chunk that opened as non-last); a
    /// slot under 16 bytes cannot hold a tag.
    pub fn precheck(&self) -> Result<(), Error> {
        if self.is_final && self.len == 0 {
            return Err(Error::Truncated);
        }
        if self.len < TAG_LEN {
            return Err(Error::TamperedChunk { index: self.index });
        }
        Ok(())
    }

    /// After the slot failed to open: the other reading that tells truncation or trailing data
    /// from tampering. A non-final slot is tried as last; a full final slot as non-last.
    pub fn probe_nonce(&self) -> Option<Nonce> {
        if !self.is_final {
            Some(Nonce::for_chunk(self.index, true))
        } else if self.full {
            Some(Nonce::for_chunk(self.index, false))
        } else {
            None
        }
    }

    /// The error for a slot that did not open, given whether the probe reading opened.
    pub fn failure(&self, probe_opened: bool) -> Error {
        match (probe_opened, self.is_final) {
            (true, false) => Error::TrailingData,
            (true, true) => Error::Truncated,
            (false, _) => Error::TamperedChunk { index: self.index },
        }
    }

    /// Checks an opened slot's plaintext length: only the first chunk may be empty.
    pub fn accept(&self, plaintext_len: usize) -> Result<(), Error> {
        if self.is_final && self.index > 0 && plaintext_len == 0 {
            Err(Error::EmptyLastChunk)
        } else {
            Ok(())
        }
    }

    /// Opens the slot's bytes with a synchronous engine, applying every rule above.
    pub fn open<A: ChunkAead>(
        &self,
        aead: &A,
        header: &[u8; HEADER_LEN],
        data: &[u8],
    ) -> Result<Vec<u8>, Error> {
        self.precheck()?;
        match aead.open(self.nonce().as_bytes(), header, data) {
            Ok(plaintext) => {
                self.accept(plaintext.len())?;
                Ok(plaintext)
            }
            Err(_) => {
                let probe_opened = self
                    .probe_nonce()
                    .is_some_and(|n| aead.open(n.as_bytes(), header, data).is_ok());
                Err(self.failure(probe_opened))
            }
        }
    }
}

/// Cuts a ciphertext payload, pushed in any slicing and of unknown length, into slots,
/// holding one back so that it knows which slot is final.
pub struct SlotSplitter(HoldBack);

impl SlotSplitter {
    pub fn new(header: &Header) -> Self {
        SlotSplitter(HoldBack::new(header.chunk_size() + TAG_LEN, 0))
    }

    /// Takes ciphertext; hands every slot now known not to be final to `emit`, in order.
    pub fn push(
        &mut self,
        data: &[u8],
        mut emit: impl FnMut(SlotPos, Vec<u8>),
    ) -> Result<(), Error> {
        let slot_len = self.0.cutter.size();
        self.0.push(data, |index, bytes| {
            emit(SlotPos::inner(index, slot_len), bytes)
        })
    }

    /// The final slot.
    pub fn finish(&mut self) -> Result<(SlotPos, Vec<u8>), Error> {
        let slot_len = self.0.cutter.size();
        let (index, bytes) = self.0.finish()?;
        Ok((SlotPos::last(index, bytes.len(), slot_len), bytes))
    }
}

/// Seals a payload pushed in any slicing, computing the content id as it goes.
///
/// Invariant: one sealer per `(fs, salt)`; it seals exactly one plaintext.
pub struct Sealer<A: ChunkAead = SoftAead> {
    payload: PayloadSealer<A>,
    content: ContentHasher,
}

impl Sealer<SoftAead> {
    /// A sealer for a new file under `fs`, with a fresh random salt.
    pub fn new(fs: &FileSecret, log2_chunk: u8) -> Result<Self, Error> {
        Self::with_salt(fs, crate::random(), log2_chunk)
    }

    /// A sealer with a given salt. The salt must be new for every file: reusing it with the same
    /// `fs` reuses keys and nonces. Meant for test vectors.
    pub fn with_salt(fs: &FileSecret, salt: [u8; 16], log2_chunk: u8) -> Result<Self, Error> {
        let keys = FileKeys::derive(fs, &salt);
        let header = Header::new(log2_chunk, salt, &keys)?;
        Ok(Sealer::with_aead(&header, SoftAead::new(&keys.payload_key)))
    }
}

impl<A: ChunkAead> Sealer<A> {
    /// A sealer over any engine keyed with the payload key of `header`'s file.
    pub fn with_aead(header: &Header, aead: A) -> Self {
        Sealer {
            content: ContentHasher::new(&header.to_bytes()),
            payload: PayloadSealer::with_aead(header, aead),
        }
    }

    pub fn header(&self) -> &[u8; HEADER_LEN] {
        self.payload.header()
    }

    /// Seals what `plaintext` completes and appends the ciphertext to `out`.
    pub fn push(&mut self, plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let start = out.len();
        self.payload.push(plaintext, out)?;
        self.content.update(&out[start..]);
        Ok(())
    }

    /// Seals the last chunk into `out` and returns the content id.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<ContentId, Error> {
        let start = out.len();
        self.payload.finish(out)?;
        self.content.update(&out[start..]);
        Ok(self.content.finalize())
    }
}

/// Seals a payload as [`Sealer`] does, but leaves the content id to the caller, so that BLAKE3 can
/// run beside AES-GCM (on another thread) over the same bytes. The caller **must** feed every byte
/// this appends, in order, to a [`ContentHasher`] made from the same header, or it has no content
/// id to give.
pub struct PayloadSealer<A: ChunkAead = SoftAead> {
    header: [u8; HEADER_LEN],
    aead: A,
    framer: ChunkFramer,
}

impl<A: ChunkAead> PayloadSealer<A> {
    pub fn with_aead(header: &Header, aead: A) -> Self {
        PayloadSealer {
            header: header.to_bytes(),
            aead,
            framer: ChunkFramer::new(header),
        }
    }

    pub fn header(&self) -> &[u8; HEADER_LEN] {
        &self.header
    }

    /// Seals what `plaintext` completes and appends the ciphertext to `out`.
    pub fn push(&mut self, plaintext: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        let PayloadSealer {
            header,
            aead,
            framer,
        } = self;
        framer.push(plaintext, |chunk| {
            out.extend_from_slice(&aead.seal(chunk.nonce.as_bytes(), header, chunk.data));
        })
    }

    /// Seals the last chunk into `out`.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<(), Error> {
        let chunk = self.framer.finish()?;
        out.extend_from_slice(
            &self
                .aead
                .seal(chunk.nonce.as_bytes(), &self.header, chunk.data),
        );
        Ok(())
    }
}

/// Opens a payload pushed in any slicing, releasing plaintext only for chunks that
/// authenticated, and computing the content id as it goes.
///
/// Invariant: after the first error it refuses everything (the caller must abort its output).
pub struct Opener<A: ChunkAead = SoftAead> {
    header: [u8; HEADER_LEN],
    aead: A,
    splitter: SlotSplitter,
    content: ContentHasher,
    failed: Option<Error>,
}

impl Opener<SoftAead> {
    /// Parses the header and checks its commitment against `fs` before anything is opened.
    pub fn new(fs: &FileSecret, header: &[u8]) -> Result<Self, Error> {
        let header = Header::parse(header)?;
        let keys = header.verify(fs)?;
        Ok(Opener::with_aead(&header, SoftAead::new(&keys.payload_key)))
    }
}

impl<A: ChunkAead> Opener<A> {
    /// An opener over any engine. The caller must have checked the commitment
    /// ([`Header::verify`]) and keyed `aead` with the payload key it returned.
    pub fn with_aead(header: &Header, aead: A) -> Self {
        let header_bytes = header.to_bytes();
        Opener {
            header: header_bytes,
            aead,
            splitter: SlotSplitter::new(header),
            content: ContentHasher::new(&header_bytes),
            failed: None,
        }
    }

    /// Opens what `ciphertext` completes and appends the released plaintext to `out`.
    pub fn push(&mut self, ciphertext: &[u8], out: &mut Vec<u8>) -> Result<(), Error> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let Opener {
            header,
            aead,
            splitter,
            failed,
            content,
        } = self;
        splitter.push(ciphertext, |slot, bytes| {
            if failed.is_none() {
                // Only whole slots are hashed, so that `rewind` leaves nothing half-counted.
                content.update(&bytes);
                match slot.open(aead, header, &bytes) {
                    Ok(pt) => out.extend_from_slice(&pt),
                    Err(e) => *failed = Some(e),
                }
            }
        })?;
        match &self.failed {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Opens the final slot into `out` and returns the content id of what was read.
    pub fn finish(mut self, out: &mut Vec<u8>) -> Result<ContentId, Error> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let (slot, bytes) = self.splitter.finish()?;
        self.content.update(&bytes);
        out.extend_from_slice(&slot.open(&self.aead, &self.header, &bytes)?);
        Ok(self.content.finalize())
    }

    /// After a network error: drops the slot held back, whose plaintext was not released, and
    /// returns the payload offset to fetch again from (with HTTP Range). Everything before it
    /// was opened and released.
    pub fn rewind(&mut self) -> Result<u64, Error> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        self.splitter.0.rewind()
    }
}

/// Opens chunk `index` alone, given its slot bytes from a payload laid out as `layout`.
pub fn open_chunk<A: ChunkAead>(
    aead: &A,
    header: &[u8; HEADER_LEN],
    layout: &PayloadLayout,
    index: u64,
    slot: &[u8],
) -> Result<Vec<u8>, Error> {
    if index >= layout.chunk_count() {
        return Err(Error::Truncated);
    }
    let range = layout.slot_range(index);
    if slot.len() as u64 != range.end - range.start {
        return Err(Error::TamperedChunk { index });
    }
    let slot_len = layout.slot_len() as usize;
    let pos = if layout.is_final(index) {
        SlotPos::last(index, slot.len(), slot_len)
    } else {
        SlotPos::inner(index, slot_len)
    };
    pos.open(aead, header, slot)
}
