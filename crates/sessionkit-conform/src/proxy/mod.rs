//! The validation proxy (`sessionkit proxy --upstream URL`): every request forwarded to the
//! upstream byte for byte (request line, every header line in order and case, the body as framed;
//! only the `Host` value becomes the upstream's), the answer sent back unchanged, and beside that
//! each `POST /v1/sessions` judged with `receive` (the client's credentials and profile) and each
//! answer with the rules `conform` checks. Verdicts go to a journal (the control API of `serve`:
//! `/__sessionkit/requests`, `verify`, `reset`, `health`), an NDJSON report, a lossless HAR, and
//! on request a `Sessionkit-Verdict` answer header. `enforce` answers an invalid request itself,
//! as the reference server would, so the upstream never sees it.
//!
//! Faults never lose an exchange: an upstream that refuses connections is answered 502 naming it,
//! one silent past the timeout 504, one closing mid-answer 502; a client that leaves while the
//! upstream works has its upstream connection closed (the request is cancelled). Each is in the
//! journal with its verdict. Memory per exchange is bounded by the head and body limits.
//!
//! One thread per client connection, blocking I/O: a proxy in front of one team's client or
//! staging server carries a few connections, and every byte stays where it can be seen.

mod journal;

use std::io::{BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sessionkit::Config;

use crate::Error;
use crate::client::Reply;
use crate::endpoint::{Conn, Endpoint as Upstream};
use journal::Record;
pub use journal::{Exchange, Journal, Watcher};
use sessionkit_http::{
    Budget, Message, ReadError, Room, read_answer_message, read_request, rewrite_head,
};

/// What a body costs the proxy in memory, in multiples of its length: the bytes as read, as
/// framed, the journal's copy and the decoded text the judge walks (`hostile_load` measured
/// 64 concurrent 1 MiB bodies at about 9 times their length in resident memory when each was
/// counted once). The budget counts each body this many times, so that it bounds memory.
const COPIES: usize = 4;

/// How the proxy runs.
#[derive(Debug, Clone)]
pub struct ProxySettings {
    /// Where to listen (loopback, port 0 by default).
    pub addr: SocketAddr,
    /// `http[s]://host[:port][/base]`: where requests go (the request's target is appended to
    /// the base). HTTPS is verified against the system's roots and `upstream_ca`.
    pub upstream: String,
    /// Extra CA certificates (PEM) an HTTPS upstream's certificate may chain to.
    pub upstream_ca: Option<PathBuf>,
    /// The client's credentials and profile: what `receive` judges with.
    pub config: Config,
    /// Add `Sessionkit-Verdict` to each answer.
    pub verdict_header: bool,
    /// Answer an invalid request itself instead of forwarding it.
    pub enforce: bool,
    /// How long the upstream may take to answer.
    pub upstream_timeout: Duration,
    /// Largest request or answer body held (larger requests are answered 413 by the proxy).
    pub max_body: usize,
    /// Memory for request and answer bodies held at once across every client, in bytes; each
    /// request body counts 4 times its length (its copies while judged), a chunked one as
    /// `max_body` (its length is unknown before it is read), an answer once: a body that does not fit is answered 503
    /// with `Retry-After` before it is read.
    pub max_in_flight: usize,
    /// Append one NDJSON record per exchange here.
    pub report: Option<PathBuf>,
    /// Record every exchange, with its exact bytes and verdict, as HAR 1.2 here.
    pub har: Option<PathBuf>,
    /// How long a client may be silent before it is answered 408 and closed.
    pub client_idle: Duration,
    /// How long a request may take to arrive whole, head and body, from its first byte (then
    /// 408): a client that sends a byte now and then (slowloris) holds its slot no longer.
    pub request_time: Duration,
}

impl ProxySettings {
    /// A proxy to `upstream` on `127.0.0.1:0`, judging with `config`.
    pub fn new(upstream: impl Into<String>, config: Config) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            upstream: upstream.into(),
            upstream_ca: None,
            config,
            verdict_header: false,
            enforce: false,
            upstream_timeout: Duration::from_secs(30),
            max_body: (1 << 20) + (1 << 16),
            max_in_flight: 64 << 20,
            report: None,
            har: None,
            client_idle: Duration::from_secs(30),
            request_time: Duration::from_secs(15),
        }
    }
}

/// A running proxy; stops when dropped.
pub struct Proxy {
    addr: SocketAddr,
    journal: Arc<Journal>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `watcher` is told of every exchange from now on, one line each, for a person watching
    /// (the CLI prints them); it runs on the exchange's own thread, so it should be quick.
    pub fn watch(&self, watcher: impl Fn(Exchange) + Send + Sync + 'static) {
        self.journal.watch(Arc::new(watcher));
    }

    /// Every exchange since the last reset, as `/__sessionkit/requests` lists them.
    pub fn requests(&self) -> Vec<Value> {
        self.journal.records()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

/// Binds and serves on background threads.
pub fn start(settings: ProxySettings) -> Result<Proxy, Error> {
    if settings.max_in_flight < settings.max_body * COPIES {
        return Err(Error(format!(
            "max_in_flight ({} bytes) must hold at least one body of max_body ({} bytes, counted {} times)",
            settings.max_in_flight, settings.max_body, COPIES
        )));
    }
    let upstream = Arc::new(
        Upstream::parse(&settings.upstream, settings.upstream_ca.as_deref()).map_err(Error)?,
    );
    let listener = TcpListener::bind(settings.addr)
        .map_err(|e| Error(format!("cannot listen on {}: {e}", settings.addr)))?;
    let addr = listener.local_addr().map_err(|e| Error(e.to_string()))?;
    let journal = Arc::new(Journal::open(
        settings.report.as_deref(),
        settings.har.as_deref(),
    )?);
    let stop = Arc::new(AtomicBool::new(false));
    let budget = Budget::new(settings.max_in_flight);
    let settings = Arc::new(settings);
    {
        let (journal, stop) = (journal.clone(), stop.clone());
        std::thread::spawn(move || {
            let clients = Arc::new(Clients::default());
            for stream in listener.incoming() {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else {
                    // Out of descriptors, most often: wait for some to close, never spin.
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                };
                // One thread per client, at most MAX_CLIENTS of them. Past it, the client idle
                // longest between requests (or before its first) is closed to make room, so that
                // idle sockets cannot hold the proxy; when every one is mid-request, the new one
                // is answered 503 at once, never left to queue or to exhaust the descriptors.
                let Some(slot) = clients.admit(&stream) else {
                    refuse_busy(stream);
                    continue;
                };
                let (settings, upstream, journal, clients, budget) = (
                    settings.clone(),
                    upstream.clone(),
                    journal.clone(),
                    clients.clone(),
                    budget.clone(),
                );
                std::thread::spawn(move || {
                    serve_client(stream, &settings, &upstream, &journal, (&budget, &slot));
                    clients.leave(&slot);
                });
            }
        });
    }
    Ok(Proxy {
        addr,
        journal,
        stop,
    })
}

/// Clients served at once, each on a thread of its own.
const MAX_CLIENTS: usize = 256;

/// One client connection's place among the [`MAX_CLIENTS`].
struct Slot {
    id: u64,
    /// Its socket, shut down to evict it.
    socket: TcpStream,
    /// A request is being read or served (not evictable).
    busy: AtomicBool,
    /// When it last finished a request or connected, in ms since the proxy started.
    idle_since: std::sync::atomic::AtomicU64,
}

/// Milliseconds since the first call: the one clock every slot's `idle_since` is on.
fn now_ms() -> u64 {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as u64
}

/// The clients being served.
#[derive(Default)]
struct Clients {
    slots: std::sync::Mutex<Vec<Arc<Slot>>>,
    next: std::sync::atomic::AtomicU64,
}

impl Clients {
    /// A slot for `stream`: a free one, or the one idle longest, evicted; `None` when every
    /// client is mid-request.
    fn admit(&self, stream: &TcpStream) -> Option<Arc<Slot>> {
        let socket = stream.try_clone().ok()?;
        let mut slots = self.slots.lock().ok()?;
        if slots.len() >= MAX_CLIENTS {
            let (at, _) = slots
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.busy.load(Ordering::Acquire))
                .min_by_key(|(_, s)| s.idle_since.load(Ordering::Acquire))?;
            let evicted = slots.swap_remove(at);
            let _ = evicted.socket.shutdown(Shutdown::Both);
        }
        let slot = Arc::new(Slot {
            id: self.next.fetch_add(1, Ordering::Relaxed),
            socket,
            busy: AtomicBool::new(false),
            idle_since: std::sync::atomic::AtomicU64::new(now_ms()),
        });
        slots.push(slot.clone());
        Some(slot)
    }

    fn leave(&self, slot: &Slot) {
        if let Ok(mut slots) = self.slots.lock() {
            slots.retain(|s| s.id != slot.id);
        }
    }
}

/// The answer past [`MAX_CLIENTS`]: 503 with `Retry-After`, written without waiting.
fn refuse_busy(stream: TcpStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
    let message = format!("the proxy serves {MAX_CLIENTS} clients at most; retry in a second");
    let body = json!({"status": "fail", "code": 503, "message": message}).to_string();
    let headers = [
        ("Content-Type", "application/json"),
        ("Retry-After", "1"),
        ("Connection", "close"),
    ];
    let _ = send(&stream, &message_of(503, &headers, body.into_bytes()));
}

/// 503 with `Retry-After`: the memory budget for bodies in flight (`limit` bytes; 0 when an
/// answer did not fit) is spent for now.
fn busy_answer(limit: usize) -> Message {
    let message = match limit {
        0 => "the proxy's memory for bodies in flight is spent; retry in a second".to_owned(),
        limit => format!(
            "the proxy holds {} MiB of bodies in flight at most (--max-in-flight); retry in a second",
            limit >> 20
        ),
    };
    let body = json!({"status": "fail", "code": 503, "message": message}).to_string();
    let headers = [("Content-Type", "application/json"), ("Retry-After", "1")];
    message_of(503, &headers, body.into_bytes())
}

/// The largest request head a client may send.
const MAX_HEAD: usize = 16 * 1024;

/// One client connection: its requests in turn (keep-alive), until it closes or must be closed.
fn serve_client(
    client: TcpStream,
    settings: &ProxySettings,
    upstream: &Upstream,
    journal: &Journal,
    (budget, slot): (&Arc<Budget>, &Slot),
) {
    let _ = client.set_read_timeout(Some(settings.client_idle));
    let _ = client.set_nodelay(true);
    let Ok(reading) = client.try_clone() else {
        return;
    };
    let mut connection = Connection {
        peer: client
            .peer_addr()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        client,
        to_upstream: None,
        settings,
        upstream,
        journal,
        budget,
    };
    let mut reader = BufReader::new(Paced {
        stream: reading,
        idle: settings.client_idle,
        until: None,
        timeout: Some(settings.client_idle),
    });
    loop {
        // Between requests the client is idle (evictable) until its next request's first byte;
        // from there the request has `request_time` to arrive whole.
        slot.busy.store(false, Ordering::Release);
        slot.idle_since.store(now_ms(), Ordering::Release);
        match std::io::BufRead::fill_buf(&mut reader) {
            Ok([]) => return,
            Ok(_) => {}
            Err(e) => return connection.refuse(ReadError::Io(e)),
        }
        slot.busy.store(true, Ordering::Release);
        reader.get_mut().until = Some(Instant::now() + settings.request_time);
        let mut interim = &connection.client;
        let room = Room {
            max_body: settings.max_body,
            budget: Some(budget),
            copies: COPIES,
        };
        let request = match read_request(&mut reader, &mut interim, MAX_HEAD, room) {
            Ok(request) => request,
            Err(refused) => return connection.refuse(refused),
        };
        reader.get_mut().until = None;
        if !connection.exchange(&request) {
            let _ = connection.client.shutdown(Shutdown::Both);
            return;
        }
    }
}

/// The client's socket read with its idle timeout, and while a request arrives, a deadline
/// for the whole of it.
struct Paced {
    stream: TcpStream,
    idle: Duration,
    until: Option<Instant>,
    /// The socket's read timeout as last set: set again only when it changes (between
    /// requests it is `idle`, so a request read in one piece costs no system call for it).
    timeout: Option<Duration>,
}

impl std::io::Read for Paced {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let late = || {
            std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request did not arrive whole in time",
            )
        };
        let wait = match self.until {
            None => self.idle,
            Some(until) => {
                let left = until.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(late());
                }
                left.min(self.idle)
            }
        };
        if self.timeout != Some(wait) {
            self.stream.set_read_timeout(Some(wait))?;
            self.timeout = Some(wait);
        }
        match self.stream.read(buf) {
            // The socket's timeout was the request's deadline: say which.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) && self.until.is_some_and(|until| Instant::now() >= until) =>
            {
                Err(late())
            }
            other => other,
        }
    }
}

/// A client connection and its upstream connection, kept alive between requests.
struct Connection<'a> {
    client: TcpStream,
    peer: String,
    to_upstream: Option<Conn>,
    settings: &'a ProxySettings,
    upstream: &'a Upstream,
    journal: &'a Journal,
    budget: &'a Arc<Budget>,
}

impl Connection<'_> {
    /// Answers a request that could not be read (and ends the connection).
    fn refuse(&self, refused: ReadError) {
        let answer = match refused {
            // A client silent past --client-idle (mid-head or between requests) is told so
            // (RFC 9110 §15.5.9), not dropped without a word.
            ReadError::Io(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                let why = if e.to_string().contains("did not arrive whole") {
                    format!(
                        "the request did not arrive whole within {} s of its first byte; the connection is closed",
                        self.settings.request_time.as_secs()
                    )
                } else {
                    format!(
                        "no request within {} s; the connection is closed",
                        self.settings.client_idle.as_secs()
                    )
                };
                let mut answer = own_answer(408, 408, &why);
                answer.head =
                    rewrite_head(&answer.head, None, &[("Connection".into(), "close".into())]);
                answer
            }
            ReadError::Closed | ReadError::Io(_) => return,
            // Never held: answered as the reference server answers a body over the limit.
            ReadError::BodyTooLarge(request) => {
                let why = format!(
                    "the body is larger than the proxy holds ({} bytes; --max-body)",
                    self.settings.max_body
                );
                let answer = own_answer(413, 413, &why);
                let record = Record::new(&self.peer, &request, self.settings);
                self.journal.add(record.refused_by_proxy(&answer));
                answer
            }
            // Never forwarded, whatever --enforce says: a head with two readings is how a second
            // request hides in the first one's body (request smuggling).
            ReadError::Framing(fault, request) => {
                let answer =
                    read_answer_message(&mut &fault.answer()[..], MAX_HEAD, Room::up_to(1 << 16))
                        .expect("the core writes a well-framed answer");
                let record = Record::new(&self.peer, &request, self.settings);
                self.journal.add(record.refused_framing(&fault, &answer));
                answer
            }
            // The proxy's memory for bodies in flight is spent: refused before the body is
            // read, with a time to come back, and journaled.
            ReadError::Busy(request) => {
                let answer = busy_answer(self.settings.max_in_flight);
                let record = Record::new(&self.peer, &request, self.settings);
                self.journal.add(record.refused_by_proxy(&answer));
                answer
            }
            ReadError::HeadTooLarge => own_answer(431, 431, "request header fields too large"),
            ReadError::Malformed(why) => own_answer(400, 400, &why),
        };
        let _ = send(&self.client, &answer);
    }

    /// One exchange: the control API, or the verdict (enforced, or forwarded and then the
    /// answer's); journaled. False when the connection must end.
    fn exchange(&mut self, request: &Message) -> bool {
        let (settings, started) = (self.settings, Instant::now());
        let target = request.first[1].clone();
        if let Some(answer) = self
            .journal
            .control(&request.first[0], &target, &request.body)
        {
            return send(&self.client, &answer).is_ok();
        }
        let mut record = Record::new(&self.peer, request, settings);
        // The verdict is needed before forwarding only to enforce it or to put it in the
        // answer; otherwise the client gets its answer first and the judging happens after.
        let early = settings.enforce || settings.verdict_header;
        let mut verdict = early
            .then(|| record.judge(request, &settings.config))
            .flatten();
        if let Some(outcome) = verdict
            .as_ref()
            .filter(|o| settings.enforce && !o.is_success())
        {
            let answer = with_verdict(reference_answer(outcome), &record, settings.verdict_header);
            let sent = send(&self.client, &answer);
            record.answered_by_proxy(&answer, started);
            self.journal.add(record);
            return sent.is_ok() && !request.wants_close();
        }
        let forwarded = forward(
            request,
            &target,
            self.upstream,
            settings,
            &mut self.to_upstream,
            (&self.client, self.budget),
        );
        let keep = match forwarded {
            Ok(answer) => {
                let sent = if early {
                    record.answer_check(
                        &answer,
                        &request.headers,
                        &settings.config,
                        verdict.as_ref(),
                    );
                    let shown = with_verdict(answer.clone(), &record, settings.verdict_header);
                    send(&self.client, &shown)
                } else {
                    let sent = send(&self.client, &answer);
                    verdict = record.judge(request, &settings.config);
                    record.answer_check(
                        &answer,
                        &request.headers,
                        &settings.config,
                        verdict.as_ref(),
                    );
                    sent
                };
                record.answered(&answer, started);
                sent.is_ok() && !request.wants_close() && !answer.wants_close()
            }
            Err(fault) => {
                let answer = fault.answer(&settings.upstream);
                // A client that left gets nothing; the others get the fault's answer.
                let sent =
                    !matches!(fault, Fault::ClientLeft) && send(&self.client, &answer).is_ok();
                record.fault(&fault.name(), &answer, started);
                self.to_upstream = None;
                sent && !request.wants_close()
            }
        };
        if !keep {
            self.to_upstream = None;
        }
        self.journal.add(record);
        keep
    }
}

/// What went wrong on the way to the upstream.
#[derive(Debug)]
enum Fault {
    /// The upstream refused or could not be reached.
    Unreachable(String),
    /// No answer within the timeout.
    Silent,
    /// The upstream closed before its answer was whole.
    ClosedMidAnswer(String),
    /// The client went away while the upstream worked; the upstream connection was closed.
    ClientLeft,
    /// The answer is larger than the proxy holds; the proxy stopped reading it.
    AnswerTooLarge,
    /// The answer does not fit in what is left of the memory budget for bodies in flight.
    Busy,
}

impl Fault {
    fn name(&self) -> String {
        match self {
            Fault::Unreachable(e) => format!("upstream unreachable: {e}"),
            Fault::Silent => "upstream silent past --upstream-timeout".into(),
            Fault::ClosedMidAnswer(e) => format!("upstream closed mid-answer: {e}"),
            Fault::ClientLeft => "the client left; the upstream request was cancelled".into(),
            Fault::AnswerTooLarge => "the upstream's answer is larger than the proxy holds".into(),
            Fault::Busy => "the proxy's memory for bodies in flight is spent".into(),
        }
    }

    fn answer(&self, upstream: &str) -> Message {
        match self {
            Fault::Silent => own_answer(
                504,
                504,
                &format!("the upstream {upstream} did not answer in time"),
            ),
            Fault::Unreachable(e) => own_answer(
                502,
                502,
                &format!("the upstream {upstream} cannot be reached: {e}"),
            ),
            Fault::ClosedMidAnswer(e) => own_answer(
                502,
                502,
                &format!("the upstream {upstream} closed the connection mid-answer: {e}"),
            ),
            Fault::ClientLeft => own_answer(499, 499, "the client closed the connection"),
            Fault::Busy => busy_answer(0),
            Fault::AnswerTooLarge => own_answer(
                502,
                502,
                &format!(
                    "the proxy refused the answer of {upstream}: larger than it holds (8 MiB, or --max-body when larger)"
                ),
            ),
        }
    }
}

/// Sends `request` upstream (reusing the connection when it is still open) and reads the
/// answer, watching the client meanwhile.
fn forward(
    request: &Message,
    target: &str,
    upstream: &Upstream,
    settings: &ProxySettings,
    connection: &mut Option<Conn>,
    (client, budget): (&TcpStream, &Arc<Budget>),
) -> Result<Message, Fault> {
    let head = rewrite_head(&request.head, Some(&upstream.authority), &[]);
    let head = if upstream.base.is_empty() {
        head
    } else {
        // The target goes below the upstream's base path: only the request line changes.
        let text = String::from_utf8_lossy(&head);
        text.replacen(
            &format!(" {target} "),
            &format!(" {}{target} ", upstream.base),
            1,
        )
        .into_bytes()
    };
    let bytes = [head.as_slice(), &request.framed].concat();
    // A kept connection may have been closed by the upstream since: one retry on a new one.
    for attempt in 0..2 {
        let fresh = connection.is_none();
        if fresh {
            let timeout = settings.upstream_timeout.min(Duration::from_secs(10));
            *connection = Some(upstream.connect(timeout).map_err(Fault::Unreachable)?);
        }
        let stream = connection.as_mut().expect("connected above");
        if let Err(e) = stream.write_all(&bytes).and_then(|()| stream.flush()) {
            if fresh && upstream.is_tls() {
                // A TLS handshake that fails (an untrusted certificate) fails here.
                return Err(Fault::Unreachable(e.to_string()));
            }
            *connection = None;
            if fresh || attempt == 1 {
                return Err(Fault::ClosedMidAnswer(
                    "the request could not be sent".into(),
                ));
            }
            continue;
        }
        match read_answer(stream, settings, client, budget, fresh) {
            Err(Fault::ClosedMidAnswer(_)) if !fresh && attempt == 0 => {
                *connection = None;
            }
            other => return other,
        }
    }
    Err(Fault::ClosedMidAnswer("no answer".into()))
}

/// How long one read of the upstream waits before the client is looked at again.
const SLICE: Duration = Duration::from_millis(100);

/// Reads the upstream's answer, in slices of [`SLICE`] so that a client that leaves is noticed,
/// all of them ending at one deadline. `fresh`: a new connection, whose socket gets the slice
/// as its read timeout (a kept one has it already: no system call per exchange for it).
fn read_answer(
    conn: &mut Conn,
    settings: &ProxySettings,
    client: &TcpStream,
    budget: &Arc<Budget>,
    fresh: bool,
) -> Result<Message, Fault> {
    if fresh {
        let _ = conn.tcp().set_read_timeout(Some(SLICE));
    }
    let mut reader = BufReader::new(Watched {
        conn,
        client,
        until: Instant::now() + settings.upstream_timeout,
        received: false,
        left: false,
    });
    let read = |reader: &mut BufReader<Watched<'_>>| {
        let room = Room {
            max_body: settings.max_body.max(8 << 20),
            budget: Some(budget),
            copies: 1,
        };
        read_answer_message(reader, 64 * 1024, room)
    };
    let mut answer = read(&mut reader);
    // Interim answers (100 Continue to a request that expects it) go no further: the client
    // had its 100 from the proxy, before its body was read.
    while let Ok(interim) = &answer {
        let status = interim.first[1].parse::<u16>().unwrap_or(0);
        if !(100..200).contains(&status) || status == 101 {
            break;
        }
        answer = read(&mut reader);
    }
    // Bytes the reader buffered past the answer belong to nothing: a kept connection has none.
    let watched = reader.get_ref();
    match answer {
        Ok(answer) => Ok(answer),
        Err(_) if watched.left => Err(Fault::ClientLeft),
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::TimedOut => Err(Fault::Silent),
        Err(ReadError::Closed) if !watched.received => {
            Err(Fault::ClosedMidAnswer("closed before answering".into()))
        }
        Err(ReadError::Io(e)) => Err(Fault::ClosedMidAnswer(e.to_string())),
        Err(ReadError::Closed) => Err(Fault::ClosedMidAnswer(
            "closed before the answer was whole".into(),
        )),
        Err(ReadError::Malformed(e)) => Err(Fault::ClosedMidAnswer(e)),
        Err(ReadError::HeadTooLarge) => {
            Err(Fault::ClosedMidAnswer("an answer head over 64 KiB".into()))
        }
        Err(ReadError::BodyTooLarge(_)) => Err(Fault::AnswerTooLarge),
        Err(ReadError::Busy(_)) => Err(Fault::Busy),
        Err(ReadError::Framing(fault, _)) => Err(Fault::ClosedMidAnswer(fault.to_string())),
    }
}

/// The upstream's connection read in slices: between them the client is looked at (one that
/// left has its upstream request cancelled), and every read ends at one deadline (an upstream
/// that drips a byte a second ends there, as one that says nothing does).
struct Watched<'a> {
    conn: &'a mut Conn,
    client: &'a TcpStream,
    until: Instant,
    /// A byte came: a close from here on is mid-answer.
    received: bool,
    /// The client left and the upstream connection was shut.
    left: bool,
}

impl std::io::Read for Watched<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let late = || {
            std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the upstream's answer took longer than --upstream-timeout",
            )
        };
        loop {
            if Instant::now() >= self.until {
                return Err(late());
            }
            match self.conn.read(buf) {
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    if client_left(self.client) {
                        self.left = true;
                        let _ = self.conn.tcp().shutdown(Shutdown::Both);
                        return Err(std::io::Error::other("the client left"));
                    }
                }
                Ok(n) => {
                    self.received |= n > 0;
                    return Ok(n);
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// True when the client closed its side (a read would return 0 bytes now).
fn client_left(client: &TcpStream) -> bool {
    let _ = client.set_nonblocking(true);
    let mut probe = [0u8; 1];
    let left = matches!(client.peek(&mut probe), Ok(0));
    let _ = client.set_nonblocking(false);
    left
}

/// Writes the answer in one piece: two small writes would meet Nagle's algorithm and the
/// client's delayed ACK (40 ms each time on Linux).
fn send(client: &TcpStream, answer: &Message) -> std::io::Result<()> {
    let mut client = client;
    client.write_all(&[answer.head.as_slice(), &answer.framed].concat())?;
    client.flush()
}

/// An answer of the proxy's own, in the vendor's failure shape.
fn own_answer(status: u16, code: u16, message: &str) -> Message {
    let body = json!({"status": "fail", "code": code, "message": message}).to_string();
    message_of(
        status,
        &[("Content-Type", "application/json")],
        body.into_bytes(),
    )
}

/// The reference server's answer to a refused request: the vendor's shape with diagnostics.
fn reference_answer(outcome: &sessionkit::Outcome) -> Message {
    let body = outcome
        .failure_answer()
        .and_then(|a| serde_json::to_vec(&a).ok())
        .unwrap_or_default();
    let mut headers = vec![("Content-Type", "application/json")];
    headers.extend(outcome.answer_headers().iter().copied());
    message_of(outcome.status(), &headers, body)
}

fn message_of(status: u16, headers: &[(&str, &str)], body: Vec<u8>) -> Message {
    let head = sessionkit::http1::answer_head(status, headers, body.len());
    let mut lines = sessionkit::headers::Headers::new();
    for (name, value) in headers {
        lines.push(*name, *value);
    }
    lines.push("Content-Length", body.len().to_string());
    let first = [
        "HTTP/1.1".into(),
        status.to_string(),
        sessionkit::reason(status).into(),
    ];
    Message {
        framed: body.clone(),
        body,
        ..Message::of_head(head.into_bytes(), first, lines)
    }
}

/// `answer` with `Sessionkit-Verdict` added, when asked.
fn with_verdict(mut answer: Message, record: &Record, on: bool) -> Message {
    if on {
        answer.head = rewrite_head(
            &answer.head,
            None,
            &[("Sessionkit-Verdict".into(), record.verdict_line())],
        );
    }
    answer
}

/// The answer as [`Reply`], for the answer check and the HAR.
fn reply_of(answer: &Message) -> Reply {
    Reply {
        status: answer.first[1].parse().unwrap_or(0),
        headers: answer.headers.clone(),
        body: answer.body.clone(),
    }
}
