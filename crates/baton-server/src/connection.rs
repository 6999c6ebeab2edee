//! A client connection's limits that hyper cannot express itself.
//!
//! hyper's header-read timeout starts when it begins waiting for a request
//! head, so it also ends idle keep-alive connections: a client that reuses
//! one after the limit finds it closed under its next request. And when a
//! request is refused before its body is read (413), closing the socket
//! with that body still arriving makes the kernel send a reset, which can
//! destroy the answer before the client reads it.
//!
//! [`Guarded`] wraps the socket: the head-read limit runs from a request's
//! first byte to the blank line that ends its head, while hyper's own
//! timeout is set to the (longer) idle keep-alive limit; and on close it
//! shuts its side, then reads and discards what the client still sends for
//! a while, as nginx's lingering close does.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// The bytes that end a request head.
const END_OF_HEAD: &[u8; 4] = b"\r\n\r\n";

/// Where the connection is in its request/response cycle, as far as the
/// limits care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Between requests: no limit but hyper's idle one.
    Idle,
    /// A request head is arriving; `matched` bytes of [`END_OF_HEAD`] seen.
    Head { matched: usize },
    /// The head is in; its body, the handler and the answer follow.
    Busy,
    /// Closing: our side is shut, the client's leftovers are drained.
    Lingering,
}

/// A socket with a head-read deadline and a lingering close.
pub struct Guarded<S> {
    inner: S,
    phase: Phase,
    head_read: Duration,
    linger: Duration,
    deadline: Pin<Box<Sleep>>,
}

impl<S> Guarded<S> {
    pub fn new(inner: S, head_read: Duration, linger: Duration) -> Self {
        Self {
            inner,
            phase: Phase::Idle,
            head_read,
            linger,
            deadline: Box::pin(tokio::time::sleep(Duration::ZERO)),
        }
    }
}

/// The phase after reading `bytes` in `phase`, and whether a head began.
fn after_read(mut phase: Phase, bytes: &[u8]) -> (Phase, bool) {
    let mut began = false;
    for &b in bytes {
        phase = match phase {
            Phase::Idle => {
                began = true;
                Phase::Head {
                    matched: usize::from(b == END_OF_HEAD[0]),
                }
            }
            Phase::Head { matched } => {
                let matched = if b == END_OF_HEAD[matched] {
                    matched + 1
                } else {
                    usize::from(b == END_OF_HEAD[0])
                };
                if matched == END_OF_HEAD.len() {
                    Phase::Busy
                } else {
                    Phase::Head { matched }
                }
            }
            other => other,
        };
    }
    (phase, began)
}

/// The phase after writing `bytes`: an answer other than an interim one
/// (`100 Continue`) means the next byte read starts a new request.
fn after_write(phase: Phase, bytes: &[u8]) -> Phase {
    match phase {
        Phase::Busy if bytes.starts_with(b"HTTP/1.1 1") || bytes.starts_with(b"HTTP/1.0 1") => {
            Phase::Busy
        }
        Phase::Busy | Phase::Head { .. } if bytes.starts_with(b"HTTP/") => Phase::Idle,
        other => other,
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let (phase, began) = after_read(this.phase, &buf.filled()[before..]);
                if began {
                    this.deadline
                        .as_mut()
                        .reset(Instant::now() + this.head_read);
                }
                this.phase = phase;
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                if matches!(this.phase, Phase::Head { .. })
                    && this.deadline.as_mut().poll(cx).is_ready()
                {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the request head did not arrive in time",
                    )));
                }
                Poll::Pending
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?;
        this.phase = after_write(this.phase, buf);
        Poll::Ready(Ok(written))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let written = ready!(Pin::new(&mut this.inner).poll_write_vectored(cx, bufs))?;
        let first = bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| b);
        this.phase = after_write(this.phase, first);
        Poll::Ready(Ok(written))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    /// Shuts our side, then drains what the client still sends until it
    /// closes too or the linger runs out, so that an answer given before a
    /// request's body was read reaches the client rather than a reset.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.phase != Phase::Lingering {
            ready!(Pin::new(&mut this.inner).poll_shutdown(cx))?;
            this.phase = Phase::Lingering;
            this.deadline.as_mut().reset(Instant::now() + this.linger);
        }
        let mut scratch = [0u8; 8192];
        loop {
            let mut buf = ReadBuf::new(&mut scratch);
            match Pin::new(&mut this.inner).poll_read(cx, &mut buf) {
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return Poll::Ready(Ok(())),
                // A client that never stops sending is drained for the
                // linger only.
                Poll::Ready(Ok(())) if this.deadline.is_elapsed() => return Poll::Ready(Ok(())),
                Poll::Ready(Ok(())) => continue,
                // The client is gone: nothing left to drain.
                Poll::Ready(Err(_)) => return Poll::Ready(Ok(())),
                Poll::Pending => {
                    ready!(this.deadline.as_mut().poll(cx));
                    return Poll::Ready(Ok(()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_ends_at_the_first_blank_line_even_split_across_reads() {
        let (phase, began) = after_read(Phase::Idle, b"GET / HTTP/1.1\r\nHost: x\r\n\r");
        assert!(began);
        assert_eq!(phase, Phase::Head { matched: 3 });
        let (phase, began) = after_read(phase, b"\n{\"body\":1}");
        assert!(!began);
        assert_eq!(phase, Phase::Busy);
    }

    #[test]
    fn a_lone_line_break_in_a_head_does_not_end_it() {
        let (phase, _) = after_read(Phase::Idle, b"GET / HTTP/1.1\r\nHost: x\r\n");
        assert_eq!(phase, Phase::Head { matched: 2 });
        let (phase, _) = after_read(phase, b"\r\rX");
        assert_eq!(phase, Phase::Head { matched: 0 });
    }

    #[test]
    fn an_interim_answer_keeps_the_request_going_and_a_final_one_ends_it() {
        assert_eq!(
            after_write(Phase::Busy, b"HTTP/1.1 100 Continue\r\n\r\n"),
            Phase::Busy
        );
        assert_eq!(
            after_write(Phase::Busy, b"HTTP/1.1 200 OK\r\n"),
            Phase::Idle
        );
        assert_eq!(after_write(Phase::Idle, b"more of the body"), Phase::Idle);
        assert_eq!(after_write(Phase::Busy, b"{\"a\":1}"), Phase::Busy);
    }
}
