//! What the server holds for clients that do not read their answers.
//!
//! An answer is built whole before it is sent. One that a client does not
//! read stays in memory until the write timeout ends its connection; a
//! small request can make a large answer (a `BatchGetSecretValue` of 20
//! secrets of control characters, JSON-escaped, is megabytes). So answers
//! above [`SMALL`] take their size from a budget shared by every connection
//! ([`BUDGET_BYTES`]) before they are sent, and one that does not fit is
//! refused with a small 503. An answer is handed to the connection in
//! [`CHUNK`]-sized copies, so what the connection buffers is bounded by its
//! own write buffer; when the last piece is handed over, all but a tail of
//! the budget ([`TAIL`], what the connection may still buffer) is given
//! back, and the tail when the client sends its next request or the
//! connection ends. What answers hold is then at most the budget plus
//! [`SMALL`] per connection.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Answers up to this size are sent without taking from the budget.
pub const SMALL: usize = 16 * 1024;
/// Bytes of larger answers held at once by all connections together.
pub const BUDGET_BYTES: usize = 32 * 1024 * 1024;
/// The pieces an answer is handed to its connection in.
pub const CHUNK: usize = 16 * 1024;
/// What a connection may still buffer of an answer handed over whole: its
/// write buffer (`max_buf_size`) and one piece, rounded up to KiB.
pub const TAIL: usize = crate::http::MAX_HEAD_BYTES + CHUNK;

/// The budget: one permit a KiB.
pub fn budget() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(BUDGET_BYTES / 1024))
}

/// The tail of the last large answer of a connection, kept until its next
/// request or its end.
pub type Tail = Arc<Mutex<Option<OwnedSemaphorePermit>>>;

/// `resp` as it is to be sent: as it is when small, else taking its size
/// from `budget` (`Err` with the answer's size when the budget cannot hold
/// it now).
pub async fn hold(resp: Response, budget: &Arc<Semaphore>, tail: &Tail) -> Result<Response, usize> {
    let exact = http_body::Body::size_hint(resp.body()).exact();
    let Some(len) = exact.and_then(|n| usize::try_from(n).ok()) else {
        return Ok(resp);
    };
    if len <= SMALL {
        return Ok(resp);
    }
    let kib = u32::try_from(len.div_ceil(1024)).unwrap_or(u32::MAX);
    let Ok(permit) = budget.clone().try_acquire_many_owned(kib) else {
        return Err(len);
    };
    let (parts, body) = resp.into_parts();
    let bytes = match http_body_util::BodyExt::collect(body).await {
        Ok(c) => c.to_bytes(),
        Err(_) => return Ok(Response::from_parts(parts, Body::empty())),
    };
    Ok(Response::from_parts(
        parts,
        Body::new(Held {
            rest: bytes,
            permit: Some(permit),
            tail: tail.clone(),
        }),
    ))
}

/// An answer handed over in pieces, holding its share of the budget.
struct Held {
    rest: Bytes,
    permit: Option<OwnedSemaphorePermit>,
    tail: Tail,
}

impl http_body::Body for Held {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if self.rest.is_empty() {
            return Poll::Ready(None);
        }
        let n = self.rest.len().min(CHUNK);
        // A copy, so the whole answer is freed once the last piece is out.
        let piece = Bytes::copy_from_slice(&self.rest[..n]);
        self.rest = self.rest.slice(n..);
        if self.rest.is_empty() {
            self.rest = Bytes::new();
            self.keep_tail();
        }
        Poll::Ready(Some(Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.rest.len() as u64)
    }
}

impl Held {
    /// Everything is handed over: the budget but the tail goes back.
    fn keep_tail(&mut self) {
        let Some(mut permit) = self.permit.take() else {
            return;
        };
        let keep = TAIL.div_ceil(1024).min(permit.num_permits());
        let rest = permit.num_permits() - keep;
        if rest > 0 {
            drop(permit.split(rest));
        }
        *self.tail.lock().unwrap_or_else(|e| e.into_inner()) = Some(permit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    fn answer(len: usize) -> Response {
        Response::new(Body::from(vec![b'x'; len]))
    }

    #[tokio::test]
    async fn large_answers_take_from_the_budget_until_handed_over() {
        let budget = Arc::new(Semaphore::new(1024)); // 1 MiB
        let tail: Tail = Arc::default();
        // Small answers are free.
        let r = hold(answer(SMALL), &budget, &tail).await.unwrap();
        assert_eq!(budget.available_permits(), 1024);
        assert_eq!(
            r.into_body().collect().await.unwrap().to_bytes().len(),
            SMALL
        );
        // A 600 KiB answer takes 600 permits; a second does not fit.
        let big = hold(answer(600 * 1024), &budget, &tail).await.unwrap();
        assert_eq!(budget.available_permits(), 424);
        assert_eq!(
            hold(answer(600 * 1024), &budget, &Tail::default())
                .await
                .unwrap_err(),
            600 * 1024
        );
        // Read whole: all but the tail is given back, the tail with the
        // next request (here: when the slot is cleared).
        let bytes = big.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(bytes.len(), 600 * 1024);
        assert!(bytes.iter().all(|b| *b == b'x'));
        assert_eq!(budget.available_permits(), 1024 - TAIL.div_ceil(1024));
        tail.lock().unwrap().take();
        assert_eq!(budget.available_permits(), 1024);
    }

    #[tokio::test]
    async fn an_unread_answer_gives_its_budget_back_when_dropped() {
        let budget = Arc::new(Semaphore::new(1024));
        let tail: Tail = Arc::default();
        let big = hold(answer(700 * 1024), &budget, &tail).await.unwrap();
        assert_eq!(budget.available_permits(), 324);
        drop(big);
        assert_eq!(budget.available_permits(), 1024);
    }
}
