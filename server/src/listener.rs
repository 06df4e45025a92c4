//! The HTTP listener (SPEC S5): every connection is bounded in time.
//!
//! `axum::serve` offers no way to bound a connection, so this accepts with
//! tokio and serves each connection through hyper's HTTP/1 server itself,
//! as `axum::serve` does inside, with these limits:
//!
//! - A request's head must arrive within `HEADER_LIMIT` (10 s) of the
//!   moment the server starts waiting for it: a client that connects and
//!   says nothing, or sends half a head and stops (slowloris), is closed.
//!   Hyper starts that timer on the first read of a connection and again
//!   whenever a keep-alive connection goes idle after an answer
//!   (`proto::h1::conn`, `State::idle` sets `notify_read` for it), so the
//!   same limit closes idle keep-alive connections: there is no separate
//!   idle setting.
//! - A request is answered within `REQUEST_LIMIT` (60 s): past it the
//!   handler is dropped and the answer is `503 Service Unavailable` (the
//!   server, not the client, was too slow: 408 would blame the client) with
//!   `Connection: close`. An answer whose head left in time but whose body
//!   is still going at the limit (a stalled stream, a client that does not
//!   read) is ended: its connection is dropped. Query runs stop earlier, at
//!   their own limit (R4, 10 s by default).
//! - On shutdown the listener stops accepting, idle connections close, and
//!   the requests in flight finish (within the limit above) before `serve`
//!   returns.
//!
//! Only HTTP/1.1 (and 1.0) is served: browsers speak HTTP/2 only over TLS,
//! which a reverse proxy in front of Stagecraft terminates.
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::Instant;
use tower::ServiceExt;

/// How long a request's head may take to arrive, also between requests.
pub const HEADER_LIMIT: Duration = Duration::from_secs(10);
/// How long a request may take, from its head to the end of its answer.
pub const REQUEST_LIMIT: Duration = Duration::from_secs(60);
/// The time the 503 of a request past its limit gets to leave.
const LATE_ANSWER: Duration = Duration::from_secs(5);

/// The limits of `serve_with`: `serve`'s are the SPEC's; tests use
/// shorter ones (there is no setting for them).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub header: Duration,
    pub request: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header: HEADER_LIMIT,
            request: REQUEST_LIMIT,
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets the
/// requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, router, shutdown, Limits::default()).await
}

/// `serve` with other limits.
pub async fn serve_with(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: Limits,
) -> std::io::Result<()> {
    // Dropping `stop` tells every connection to finish; each holds a
    // receiver of `open`, whose sender sees them all gone.
    let (stop, stop_rx) = watch::channel(());
    let (open, open_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = accept(&listener) => accepted,
            _ = &mut shutdown => break,
        };
        tokio::spawn(connection(
            tcp,
            peer,
            router.clone(),
            stop_rx.clone(),
            open_rx.clone(),
            limits,
        ));
    }
    // No new connections from here on: the port closes.
    drop(listener);
    drop((stop, stop_rx, open_rx));
    open.closed().await;
    Ok(())
}

/// The next connection. A failed accept (no file descriptors left) is
/// retried after a second instead of ending the server, as `axum::serve`
/// does.
async fn accept(listener: &TcpListener) -> (TcpStream, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok(accepted) => return accepted,
            Err(e) => {
                use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
                // The peer left before it was accepted: nothing to wait for.
                if matches!(
                    e.kind(),
                    ConnectionAborted | ConnectionRefused | ConnectionReset
                ) {
                    continue;
                }
                tracing::error!(error = %e, "cannot accept a connection");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Serves one connection until it closes, its request overruns the limit,
/// or the server stops (then gracefully: the answer in flight finishes).
async fn connection(
    tcp: TcpStream,
    peer: SocketAddr,
    router: Router,
    mut stop: watch::Receiver<()>,
    _open: watch::Receiver<()>,
    limits: Limits,
) {
    // Streamed pages leave in several writes; without TCP_NODELAY a
    // keep-alive client waits on Nagle's algorithm for each (18 ms per
    // not-found page was measured).
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::warn!(error = %e, "cannot set TCP_NODELAY");
    }
    // When the request in progress must be over; None between requests.
    // HTTP/1 answers one request at a time, so one deadline suffices.
    let (deadline, mut deadline_rx) = watch::channel(None::<Instant>);
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        let (router, deadline) = (router.clone(), deadline.clone());
        async move {
            let due = Instant::now() + limits.request;
            // Until the handler answers, the connection is dropped only
            // after the 503 below has had its time to leave.
            deadline.send_replace(Some(due + LATE_ANSWER));
            // The sign-in throttle reads the peer (client_address.rs).
            req.extensions_mut().insert(ConnectInfo(peer));
            let path = req.uri().path().to_string();
            let response = match tokio::time::timeout_at(due, router.oneshot(req.map(Body::new)))
                .await
            {
                Ok(Ok(response)) => {
                    // Answered in time: the body must be over by the limit.
                    deadline.send_replace(Some(due));
                    response
                }
                Ok(Err(never)) => match never {},
                Err(_) => {
                    tracing::warn!(%path, "a request ran past {:?}: answered 503", limits.request);
                    too_slow(limits.request)
                }
            };
            let due = *deadline.borrow();
            Ok::<_, Infallible>(response.map(|body| {
                Body::new(Tracked {
                    body,
                    _done: Done { deadline, due },
                })
            }))
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header)
        // A request head of more than 64 KiB or 100 headers is no browser's
        // or script's: hyper's defaults (~400 KiB) let slow clients hold
        // that much each for the 10 s.
        .max_buf_size(64 * 1024)
        .max_headers(100)
        .keep_alive(true);
    let mut conn = pin!(builder.serve_connection(TokioIo::new(tcp), service));
    let mut stopping = false;
    loop {
        let due = *deadline_rx.borrow_and_update();
        let overdue = async move {
            match due {
                Some(due) => tokio::time::sleep_until(due).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            result = conn.as_mut() => {
                // A client that timed out or went away: nothing to report.
                if let Err(e) = result {
                    tracing::debug!(error = %e, %peer, "connection ended");
                }
                break;
            }
            // A request began or ended: wait for its deadline instead.
            _ = deadline_rx.changed() => {}
            _ = overdue => {
                tracing::warn!(%peer, "an answer was still going at the request limit: connection closed");
                break;
            }
            _ = stop.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// The answer to a request past `REQUEST_LIMIT`.
fn too_slow(limit: Duration) -> Response {
    let mut response = (
        http::StatusCode::SERVICE_UNAVAILABLE,
        [(http::header::CONNECTION, "close")],
        format!(
            "The server did not answer within {} s; the request was stopped.\n",
            limit.as_secs_f32()
        ),
    )
        .into_response();
    crate::security_headers::apply(response.headers_mut());
    response
}

/// An answer's body, which clears the request's deadline once hyper has
/// taken all of it (and dropped it).
struct Tracked {
    body: Body,
    _done: Done,
}

struct Done {
    deadline: watch::Sender<Option<Instant>>,
    due: Option<Instant>,
}

impl Drop for Done {
    fn drop(&mut self) {
        // Only its own request's deadline, should another have begun.
        let due = self.due;
        self.deadline.send_if_modified(|d| {
            let mine = *d == due;
            if mine {
                *d = None;
            }
            mine
        });
    }
}

impl http_body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}
