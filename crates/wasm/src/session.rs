//! The state of a streaming session shared between its JavaScript object and the promises of
//! its calls: one call at a time, and nothing after it finished or failed.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Promise, Reflect, Uint8Array};
use wasm_bindgen_futures::future_to_promise;

use crate::engine::Bytes;
use crate::error::SealdropError;

enum Phase<T> {
    Ready(T),
    Busy,
    Done,
}

/// Invariant: at most one call holds the state; a failed call leaves it `Done`, so a stream that
/// hit an error can never be continued past it.
pub(crate) struct Shared<T>(Rc<RefCell<Phase<T>>>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> Shared<T> {
    pub fn new(state: T) -> Self {
        Shared(Rc::new(RefCell::new(Phase::Ready(state))))
    }

    /// Takes the state for the length of one call.
    pub fn take(&self) -> Result<T, SealdropError> {
        match self.0.replace(Phase::Busy) {
            Phase::Ready(s) => Ok(s),
            Phase::Busy => Err(SealdropError::busy()),
            Phase::Done => {
                self.0.replace(Phase::Done);
                Err(sealdrop_core::Error::Finished.into())
            }
        }
    }

    /// A synchronous call on the state; an error ends the stream.
    pub fn with<R>(
        &self,
        f: impl FnOnce(&mut T) -> Result<R, SealdropError>,
    ) -> Result<R, SealdropError> {
        let mut state = self.take()?;
        let result = f(&mut state);
        self.settle(state, result.is_ok());
        result
    }

    /// Ends a call: the state goes back if the call succeeded and the stream goes on.
    pub fn settle(&self, state: T, go_on: bool) {
        self.0.replace(if go_on {
            Phase::Ready(state)
        } else {
            Phase::Done
        });
    }
}

/// A stream a session drives: the sealer's or the opener's state.
pub(crate) trait Stream: 'static {
    /// Takes one push of input; returns the output it completes, in order.
    async fn push(&mut self, input: &Uint8Array) -> Result<Vec<Bytes>, SealdropError>;
    /// Ends the input; returns the last output.
    async fn finish(&mut self) -> Result<Vec<Bytes>, SealdropError>;
    /// The content id of everything seen, lower-case hex.
    fn content_id(&self) -> String;
}

impl<T: Stream> Shared<T> {
    /// One push as a promise of the output chunks; an error ends the stream.
    pub fn push(&self, input: Uint8Array) -> Promise {
        let state = self.clone();
        future_to_promise(async move {
            let mut s = state.take()?;
            let result = s.push(&input).await;
            state.settle(s, result.is_ok());
            Ok(Bytes::to_array(result?).into())
        })
    }

    /// The end of the stream as a promise of `{ [output]: Uint8Array[], contentId }`.
    pub fn finish(&self, output: &'static str) -> Promise {
        let state = self.clone();
        future_to_promise(async move {
            let mut s = state.take()?;
            let result = s.finish().await;
            let content_id = s.content_id();
            state.settle(s, false);
            let done = Object::new();
            Reflect::set(&done, &output.into(), &Bytes::to_array(result?))?;
            Reflect::set(&done, &"contentId".into(), &content_id.into())?;
            Ok(done.into())
        })
    }
}
