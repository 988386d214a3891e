//! The state of a streaming session shared between its JavaScript object and the promises of
//! its calls: one call at a time, and nothing after it finished or failed.

use std::cell::RefCell;
use std::rc::Rc;

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

    /// Ends a call: the state goes back if the call succeeded and the stream goes on.
    pub fn settle(&self, state: T, go_on: bool) {
        self.0.replace(if go_on {
            Phase::Ready(state)
        } else {
            Phase::Done
        });
    }
}
