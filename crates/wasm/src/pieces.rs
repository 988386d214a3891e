//! The bytes behind a `sealdrop_core::stream::Cutter` when they live in JavaScript memory.
//!
//! A piece that closes within one push is handed on as a view of that push's input, so its only
//! copy is the one WebCrypto makes; only the piece held back at the end of a push is copied,
//! because the caller may reuse its buffer once the push resolves.

use js_sys::Uint8Array;
use sealdrop_core::stream::{Cut, Cutter};
use sealdrop_core::Error;

/// Invariant: `carry`, when present, holds the open piece's `filled` bytes; otherwise the open
/// piece (if any) lies in the current push's input.
pub struct JsPieces {
    cutter: Cutter,
    carry: Option<Uint8Array>,
    filled: usize,
}

impl JsPieces {
    pub fn new(size: usize) -> Self {
        JsPieces {
            cutter: Cutter::new(size),
            carry: None,
            filled: 0,
        }
    }

    pub fn size(&self) -> usize {
        self.cutter.size()
    }

    /// Runs one push; every piece that closes goes to `emit` with its index. The views handed
    /// out are valid while `input` is not modified.
    pub fn push(
        &mut self,
        input: &Uint8Array,
        mut emit: impl FnMut(u64, Uint8Array),
    ) -> Result<(), Error> {
        let size = self.cutter.size();
        let JsPieces {
            cutter,
            carry,
            filled,
        } = self;
        let mut borrowed_from: Option<usize> = None;
        cutter.push(input.length() as usize, |cut| match cut {
            Cut::Take(range) => {
                if let Some(c) = carry {
                    c.set(
                        &input.subarray(range.start as u32, range.end as u32),
                        *filled as u32,
                    );
                } else if borrowed_from.is_none() {
                    borrowed_from = Some(range.start);
                }
                *filled += range.len();
            }
            Cut::Emit(index) => {
                let piece = match (carry.take(), borrowed_from.take()) {
                    (Some(c), _) => c,
                    (None, Some(start)) => input.subarray(start as u32, (start + size) as u32),
                    (None, None) => unreachable!("a full piece has bytes"),
                };
                *filled = 0;
                emit(index, piece);
            }
        })?;
        if let Some(start) = borrowed_from {
            let c = Uint8Array::new_with_length(size as u32);
            c.set(&input.subarray(start as u32, (start + *filled) as u32), 0);
            *carry = Some(c);
        }
        Ok(())
    }

    /// Forgets the open piece (see `Cutter::rewind`); returns the stream offset to go on from.
    pub fn rewind(&mut self) -> Result<u64, Error> {
        self.carry = None;
        self.filled = 0;
        self.cutter.rewind()
    }

    /// Ends the stream: the final piece and its index.
    pub fn finish(&mut self) -> Result<(u64, Uint8Array), Error> {
        let index = self.cutter.finish()?;
        let piece = match self.carry.take() {
            Some(c) => c.subarray(0, self.filled as u32),
            None => Uint8Array::new_with_length(0),
        };
        Ok((index, piece))
    }
}
