//! HTTP/1.1 plumbing: a hyper server on 127.0.0.1 (a free port) in a background thread with
//! its own single-threaded tokio runtime, so it serves whatever the test thread does (block,
//! run its own runtime, spawn `tagbump`). Connections are kept alive, as octocrab's and
//! reqwest's pools expect. Each request is read whole and handed to `dispatch::handle`; the
//! server stops, and drops its connections, when the [`Server`] is dropped.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

use super::dispatch;
use super::handle::Shared;
use super::wire::Req;

pub struct Server {
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// Bind a free port on 127.0.0.1 (before the shared state exists, which needs the address).
pub fn bind() -> std::net::TcpListener {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.set_nonblocking(true).expect("a non-blocking listener");
    listener
}

impl Server {
    pub fn start(listener: std::net::TcpListener, shared: Arc<Shared>) -> Server {
        let (tx, mut rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("github-standin".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
                    let mut connections = 0u64;
                    loop {
                        tokio::select! {
                            _ = &mut rx => break,
                            accepted = listener.accept() => {
                                let Ok((stream, _)) = accepted else { continue };
                                let _ = stream.set_nodelay(true);
                                connections += 1;
                                let conn = connections;
                                let shared = shared.clone();
                                tokio::spawn(async move {
                                    let service = service_fn(move |req| serve(shared.clone(), conn, req));
                                    let _ = http1::Builder::new()
                                        .keep_alive(true)
                                        .serve_connection(TokioIo::new(stream), service)
                                        .await;
                                });
                            }
                        }
                    }
                });
                // Dropping the runtime here cancels the connection tasks.
            })
            .expect("spawn the stand-in's thread");
        Server {
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn serve(
    shared: Arc<Shared>,
    conn: u64,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => Vec::new(),
    };
    let req = Req {
        method: parts.method.as_str().to_string(),
        // Under an API prefix (GitHub Enterprise Server's `/api/v3`), the routes start
        // after it; a request outside it matches no route.
        path: match parts.uri.path().strip_prefix(shared.options.api_prefix.as_str()) {
            Some(rest) if rest.starts_with('/') => rest.to_string(),
            _ => format!("/outside-the-api{}", parts.uri.path()),
        },
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
        conn,
    };
    let reply = dispatch::handle(&shared, req);
    let mut builder = hyper::Response::builder().status(reply.status);
    for (k, v) in &reply.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let bytes = match &reply.body {
        Some(v) => {
            builder = builder.header("content-type", "application/json; charset=utf-8");
            serde_json::to_vec(v).expect("JSON serialises")
        }
        None => Vec::new(),
    };
    Ok(builder.body(Full::new(Bytes::from(bytes))).expect("a valid response"))
}

/// The address a listener is bound to.
pub fn addr(listener: &std::net::TcpListener) -> SocketAddr {
    listener.local_addr().expect("a bound listener")
}
