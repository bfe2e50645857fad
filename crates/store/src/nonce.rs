//! A nonce check whose answer may come later: the replay window of several
//! replicas is written by batches, and a request that only reads can be
//! served while its nonce is being written, as long as its answer waits
//! for the verdict ([`NonceCheck::resolve`]).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};

use crate::{StoreError, StoreResult};

/// The replay window: each signature nonce of an AccessKey is accepted once
/// while it is live. Every store implements it directly.
pub trait NonceStore {
    /// Records a signature nonce for `access_key_id` until `expires_at`
    /// inclusive: a recorded nonce is live while `now <= expires_at`.
    /// Returns `false` if the same nonce is recorded and live (a replay).
    fn use_nonce(
        &self,
        access_key_id: &str,
        nonce: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<bool>;

    /// [`Self::use_nonce`], answered now or once the nonce is written
    /// (PostgreSQL writes the nonces of requests arriving together at
    /// once): a caller that has changed nothing meanwhile may go on before
    /// the verdict, and must not answer before it.
    fn submit_nonce(
        &self,
        access_key_id: &str,
        nonce: &str,
        now: i64,
        expires_at: i64,
    ) -> NonceCheck {
        NonceCheck::Ready(self.use_nonce(access_key_id, nonce, now, expires_at))
    }
}

/// Whether a nonce was fresh, now or once its batch is written.
pub enum NonceCheck {
    /// Known already.
    Ready(StoreResult<bool>),
    /// Filled in by the writer of the batch.
    Pending(Arc<Verdict>),
}

impl std::fmt::Debug for NonceCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Ready(r) => f.debug_tuple("Ready").field(r).finish(),
            Self::Pending(_) => f.write_str("Pending"),
        }
    }
}

impl NonceCheck {
    /// The verdict, waiting for it on this thread (see [`crate::runtime::blocking`]).
    pub fn wait(self) -> StoreResult<bool> {
        match self {
            Self::Ready(r) => r,
            Self::Pending(v) => crate::runtime::blocking(|| v.wait()),
        }
    }

    /// The verdict, awaited without holding a thread.
    pub async fn resolve(self) -> StoreResult<bool> {
        match self {
            Self::Ready(r) => r,
            Self::Pending(v) => Awaited(v).await,
        }
    }
}

#[derive(Default)]
struct State {
    answer: Option<Result<bool, String>>,
    waker: Option<Waker>,
}

/// One nonce's verdict, filled in once.
#[derive(Default)]
pub struct Verdict {
    state: Mutex<State>,
    filled: Condvar,
}

impl Verdict {
    /// Fills in the verdict and wakes whoever waits for it.
    pub(crate) fn fill(&self, answer: Result<bool, String>) {
        let waker = {
            let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            s.answer = Some(answer);
            s.waker.take()
        };
        self.filled.notify_all();
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn wait(&self) -> StoreResult<bool> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(a) = s.answer.take() {
                return a.map_err(StoreError::Backend);
            }
            s = self.filled.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }
}

struct Awaited(Arc<Verdict>);

impl Future for Awaited {
    type Output = StoreResult<bool>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut s = self.0.state.lock().unwrap_or_else(|e| e.into_inner());
        match s.answer.take() {
            Some(a) => Poll::Ready(a.map_err(StoreError::Backend)),
            None => {
                s.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
