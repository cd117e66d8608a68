//! Listening sockets and accept loops.
//!
//! The sockets are created and bound by the main thread before any shard
//! starts, so a port already in use is reported once, clearly, at startup.
//! Each shard then owns one SO_REUSEPORT socket per port.
//!
//! On the shard-aware port the kernel's choice of socket is only a first
//! guess: a connection whose `source_port % nr_shards` names another shard is
//! handed to that shard over a bounded channel before any byte is read.

use std::cell::RefCell;
use std::io;
use std::net::SocketAddr;
use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd};
use std::rc::{Rc, Weak};

use glommio::net::{AcceptedTcpStream, TcpListener};
use socket2::{Domain, Protocol, Socket, Type};

use super::config::TransportConfig;
use super::connection::{Connection, ConnectionStats};
use super::events::EventRegistry;
use crate::cql3::QueryProcessor;
use crate::dht::Sharder;
use crate::shard::{ShardId, StopSignal};

/// Connections waiting to be handed to another shard, per target shard.
const HANDOFF_CAPACITY: usize = 1024;

/// One shard's transport: configuration, processor, and live connections.
pub struct ShardTransport<P: QueryProcessor> {
    pub shard: ShardId,
    pub sharder: Sharder,
    pub config: TransportConfig,
    pub processor: P,
    pub events: Rc<EventRegistry>,
    pub stats: ConnectionStats,
    pub stop: Rc<StopSignal>,
    connections: RefCell<Vec<Weak<Connection<P>>>>,
}

impl<P: QueryProcessor> std::fmt::Debug for ShardTransport<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShardTransport")
            .field("shard", &self.shard)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<P: QueryProcessor> ShardTransport<P> {
    pub fn new(
        shard: ShardId,
        sharder: Sharder,
        config: TransportConfig,
        processor: P,
        stop: Rc<StopSignal>,
        events: Rc<EventRegistry>,
    ) -> Rc<Self> {
        Rc::new(Self {
            shard,
            sharder,
            config,
            processor,
            events,
            stats: ConnectionStats::default(),
            stop,
            connections: RefCell::new(Vec::new()),
        })
    }

    fn open_connections(&self) -> usize {
        let mut connections = self.connections.borrow_mut();
        connections.retain(|c| c.strong_count() > 0);
        connections.len()
    }
}

/// Sockets bound by the main thread, one set per shard.
#[derive(Debug)]
pub struct BoundListeners {
    pub per_shard: Vec<ShardListeners>,
}

#[derive(Debug)]
pub struct ShardListeners {
    pub native: OwnedFd,
    pub shard_aware: Option<OwnedFd>,
}

fn reuseport_socket(addr: SocketAddr) -> io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.set_reuse_port(true)?;
    socket.bind(&addr.into())?;
    socket.listen(1024)?;
    Ok(socket)
}

/// Fails if anybody (even another process with SO_REUSEPORT) listens on `addr`.
fn ensure_free(addr: SocketAddr) -> io::Result<()> {
    let probe = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    probe.set_reuse_address(true)?;
    probe
        .bind(&addr.into())
        .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))
}

/// Binds every shard's listening sockets. Port 0 is resolved once, so all
/// shards share the port the first socket got.
pub fn bind_listeners(
    config: &mut TransportConfig,
    nr_shards: usize,
) -> io::Result<BoundListeners> {
    let bind_all = |addr: &mut SocketAddr| -> io::Result<Vec<Socket>> {
        if addr.port() != 0 {
            ensure_free(*addr)?;
        }
        let mut sockets = Vec::with_capacity(nr_shards);
        for _ in 0..nr_shards {
            let socket = reuseport_socket(*addr)
                .map_err(|e| io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")))?;
            if addr.port() == 0 {
                if let Some(bound) = socket.local_addr()?.as_socket() {
                    *addr = bound;
                }
            }
            sockets.push(socket);
        }
        Ok(sockets)
    };
    let native = bind_all(&mut config.address)?;
    let shard_aware = match config.shard_aware_address.as_mut() {
        Some(addr) => Some(bind_all(addr)?),
        None => None,
    };
    let mut shard_aware = shard_aware.map(|v| v.into_iter());
    let per_shard = native
        .into_iter()
        .map(|native| ShardListeners {
            native: native.into(),
            shard_aware: shard_aware
                .as_mut()
                .and_then(Iterator::next)
                .map(Into::into),
        })
        .collect();
    Ok(BoundListeners { per_shard })
}

/// The channels that carry accepted shard-aware connections between shards.
#[derive(Debug)]
pub struct Handoff {
    senders: Vec<flume::Sender<AcceptedTcpStream>>,
    receiver: flume::Receiver<AcceptedTcpStream>,
}

impl Handoff {
    pub fn build(nr_shards: usize) -> Vec<Handoff> {
        let channels: Vec<_> = (0..nr_shards)
            .map(|_| flume::bounded(HANDOFF_CAPACITY))
            .collect();
        let senders: Vec<_> = channels.iter().map(|(tx, _)| tx.clone()).collect();
        channels
            .into_iter()
            .map(|(_, receiver)| Handoff {
                senders: senders.clone(),
                receiver,
            })
            .collect()
    }
}

fn start_connection<P: QueryProcessor>(
    transport: &Rc<ShardTransport<P>>,
    accepted: AcceptedTcpStream,
) {
    let peer = match accepted.peer_addr() {
        Ok(peer) => peer,
        Err(e) => {
            tracing::debug!("accepted connection without a peer address: {e}");
            drop(accepted.bind_to_executor());
            return;
        }
    };
    let stream = accepted.bind_to_executor();
    if transport.open_connections() >= transport.config.max_connections_per_shard {
        tracing::warn!(%peer, "refusing connection: shard {} is at its connection limit", transport.shard);
        return;
    }
    let stats = &transport.stats;
    stats.accepted.set(stats.accepted.get() + 1);
    let connection = Connection::new(transport.clone(), peer);
    transport
        .connections
        .borrow_mut()
        .push(Rc::downgrade(&connection));
    let transport = transport.clone();
    glommio::spawn_local(async move {
        transport.stats.open.set(transport.stats.open.get() + 1);
        connection.serve(stream).await;
        transport.stats.open.set(transport.stats.open.get() - 1);
    })
    .detach();
}

async fn accept_loop<P: QueryProcessor>(
    transport: Rc<ShardTransport<P>>,
    listener: TcpListener,
    handoff: Option<Vec<flume::Sender<AcceptedTcpStream>>>,
) {
    loop {
        let accepted =
            futures_lite::future::or(async { Some(listener.shared_accept().await) }, async {
                transport.stop.wait().await;
                None
            })
            .await;
        let accepted = match accepted {
            None => return,
            Some(Ok(accepted)) => accepted,
            Some(Err(e)) => {
                tracing::warn!("accept failed on shard {}: {e}", transport.shard);
                glommio::timer::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        if let Some(senders) = &handoff {
            let owner = accepted.peer_addr().map_or(transport.shard, |peer| {
                usize::from(peer.port()) % transport.sharder.nr_shards()
            });
            if owner != transport.shard {
                if let Some(sender) = senders.get(owner) {
                    if let Err(e) = sender.try_send(accepted) {
                        tracing::warn!(
                            "shard {owner} cannot take more handed-over connections; closing one"
                        );
                        drop(e.into_inner().bind_to_executor());
                    }
                    continue;
                }
            }
        }
        start_connection(&transport, accepted);
    }
}

async fn handoff_loop<P: QueryProcessor>(
    transport: Rc<ShardTransport<P>>,
    receiver: flume::Receiver<AcceptedTcpStream>,
) {
    loop {
        let next = futures_lite::future::or(async { receiver.recv_async().await.ok() }, async {
            transport.stop.wait().await;
            None
        })
        .await;
        match next {
            Some(accepted) => start_connection(&transport, accepted),
            None => return,
        }
    }
}

/// Runs this shard's accept loops until the stop signal; returns once they
/// have stopped and every connection has closed.
pub async fn serve_shard<P: QueryProcessor>(
    transport: Rc<ShardTransport<P>>,
    listeners: ShardListeners,
    handoff: Handoff,
) {
    // SAFETY: the descriptors are listening TCP sockets this shard now owns.
    let native = unsafe { TcpListener::from_raw_fd(listeners.native.into_raw_fd()) };
    let mut tasks = vec![glommio::spawn_local(accept_loop(
        transport.clone(),
        native,
        None,
    ))];
    if let Some(fd) = listeners.shard_aware {
        // SAFETY: as above.
        let shard_aware = unsafe { TcpListener::from_raw_fd(fd.into_raw_fd()) };
        tasks.push(glommio::spawn_local(accept_loop(
            transport.clone(),
            shard_aware,
            Some(handoff.senders),
        )));
        tasks.push(glommio::spawn_local(handoff_loop(
            transport.clone(),
            handoff.receiver,
        )));
    }
    for task in tasks {
        task.await;
    }
    while transport.open_connections() > 0 {
        glommio::timer::sleep(std::time::Duration::from_millis(5)).await;
    }
}
