//! The cost model behind "is compression worth it": CPU time to compress and decompress against
//! the time the saved bytes take to reach the server. `sessionkit threshold` measures the CPU side
//! on the machine it runs on; the advisory `compression_not_worth_it` uses [`CostModel::DEFAULT`].
//!
//! The link side counts what compression saves on a real link, not only bandwidth:
//!
//! - **bandwidth**: bytes are sent in whole TCP segments of [`SEGMENT`] bytes, so bytes saved
//!   within a segment that is sent anyway save nothing (why small bodies never pay);
//! - **round trips on a new connection**: TCP slow start lets a new connection send only
//!   [`INITIAL_WINDOW`] segments (RFC 6928) before waiting one round trip for acknowledgements,
//!   then twice as many, and so on. A 16 KiB body (12 segments) needs two flights where its 3 KiB
//!   gzip needs one, so on a cold connection compression saves a whole round trip;
//! - a **warm** connection (keep-alive, its window already open) pays bandwidth only.
//!
//! Left out because they cost the same either way: the TCP and TLS handshakes, the one-way delay
//! of the last flight, the answer. Also left out: loss, delayed acknowledgements, receive windows
//! and HTTP header bytes.

/// Payload bytes of one TCP segment on an Ethernet path (1500-byte MTU, 40 bytes of headers).
pub const SEGMENT: usize = 1460;

/// Segments a new connection may send before its first acknowledgement (RFC 6928).
pub const INITIAL_WINDOW: usize = 10;

/// A network path: its bandwidth and round-trip time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// What it is called on the command line (`cross-region`), or `custom`.
    pub name: &'static str,
    /// Bandwidth available to one connection, in megabits per second.
    pub mbps: f64,
    /// Round-trip time in milliseconds.
    pub rtt_ms: f64,
}

/// Named link profiles: typical figures, not measurements; `--links` and `--rtt` model your own.
pub const LINKS: [Link; 6] = [
    Link {
        name: "loopback",
        mbps: 10_000.0,
        rtt_ms: 0.05,
    },
    Link {
        name: "lan",
        mbps: 1_000.0,
        rtt_ms: 0.5,
    },
    Link {
        name: "same-region",
        mbps: 1_000.0,
        rtt_ms: 2.0,
    },
    Link {
        name: "cross-region",
        mbps: 200.0,
        rtt_ms: 80.0,
    },
    Link {
        name: "4g",
        mbps: 10.0,
        rtt_ms: 50.0,
    },
    Link {
        name: "3g",
        mbps: 1.0,
        rtt_ms: 150.0,
    },
];

impl Link {
    /// The named profile, if there is one.
    pub fn named(name: &str) -> Option<Link> {
        LINKS.iter().copied().find(|l| l.name == name)
    }

    /// Nanoseconds to deliver `bytes` of body on this link. Serialization is counted in whole
    /// segments; on a `Cold` connection each flight of the slow-start window that is not the last
    /// also waits for its acknowledgements: a round trip, or the flight's own serialization time
    /// when that is longer (the window is then wider than the path).
    pub fn transfer_ns(&self, bytes: usize, connection: Connection) -> f64 {
        let segments = bytes.div_ceil(SEGMENT).max(1);
        let serialize = |n: usize| (n * SEGMENT) as f64 * 8.0 * 1_000.0 / self.mbps;
        if connection == Connection::Warm {
            return serialize(segments);
        }
        let rtt_ns = self.rtt_ms * 1e6;
        let (mut left, mut window, mut ns) = (segments, INITIAL_WINDOW, 0.0);
        while left > window {
            ns += serialize(window).max(rtt_ns);
            left -= window;
            window *= 2;
        }
        ns + serialize(left)
    }
}

/// Whether the connection is new (slow start) or already open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connection {
    /// A new connection: the body's flights are limited by slow start.
    Cold,
    /// A kept-alive connection whose window is already open: bandwidth only.
    Warm,
}

/// Linear costs of compressing and decompressing, and the link the body crosses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostModel {
    /// The link.
    pub link: Link,
    /// New or kept-alive connection.
    pub connection: Connection,
    /// Fixed cost of one compression plus one decompression (state setup), in nanoseconds.
    pub fixed_ns: f64,
    /// Compression plus decompression cost per uncompressed byte, in nanoseconds.
    pub per_byte_ns: f64,
}

impl CostModel {
    /// gzip at level 6 as `sessionkit threshold` measured it on the project's 2-core development
    /// machine (libdeflate encode + decode of consent prose: 14 µs for a 181-byte body, 83 µs at
    /// 16 KiB; fitted as 14 µs + 5 ns/byte), and the `cross-region` link (200 Mbit/s, 80 ms) on
    /// a kept-alive connection: a backend calling the API over the internet through a connection
    /// pool, the common case that is least favourable to compression (a new connection also saves
    /// round trips). On it, compression pays from about 2 KiB of consent text.
    pub const DEFAULT: CostModel = CostModel {
        link: LINKS[3],
        connection: Connection::Warm,
        fixed_ns: 14_000.0,
        per_byte_ns: 5.0,
    };

    /// Nanoseconds `bytes` of body take to reach the server (see [`Link::transfer_ns`]).
    pub fn transfer_ns(&self, bytes: usize) -> f64 {
        self.link.transfer_ns(bytes, self.connection)
    }

    /// Nanoseconds of CPU to compress and decompress `decoded_len` bytes.
    pub fn cpu_ns(&self, decoded_len: usize) -> f64 {
        self.fixed_ns + self.per_byte_ns * decoded_len as f64
    }

    /// True when sending `wire_len` compressed bytes instead of `decoded_len` plain ones saves
    /// more time on the link than the compression and decompression cost.
    pub fn worth_it(&self, decoded_len: usize, wire_len: usize) -> bool {
        let saved = self.transfer_ns(decoded_len) - self.transfer_ns(wire_len);
        saved > self.cpu_ns(decoded_len)
    }
}

impl Default for CostModel {
    fn default() -> Self {
        Self::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(name: &str, connection: Connection) -> CostModel {
        CostModel {
            link: Link::named(name).unwrap(),
            connection,
            ..CostModel::DEFAULT
        }
    }

    #[test]
    fn small_bodies_do_not_pay_and_compressible_large_ones_do() {
        let model = CostModel::DEFAULT;
        // 1,400 bytes compressed to 600: one segment either way, nothing saved.
        assert!(!model.worth_it(1_400, 600));
        // 16 KiB of prose to 3 KB at 200 Mbit/s: 9 segments saved, 526 µs, against 97 µs of CPU.
        assert!(model.worth_it(16_591, 2_983));
        // Incompressible data never pays.
        assert!(!model.worth_it(16_000, 16_100));
        // 3,000 bytes to 1,000: three segments become one, 117 µs saved against 29 µs.
        assert!(model.worth_it(3_000, 1_000));
        assert!(
            !on("loopback", Connection::Warm).worth_it(16_591, 2_983),
            "on loopback the CPU costs more"
        );
    }

    #[test]
    fn slow_start_costs_a_round_trip_past_the_initial_window() {
        let link = Link::named("cross-region").unwrap();
        let ten = link.transfer_ns(10 * SEGMENT, Connection::Cold);
        let eleven = link.transfer_ns(10 * SEGMENT + 1, Connection::Cold);
        // The first flight's own serialization overlaps the round trip it waits for.
        assert!(eleven - ten > 79e6, "{ten} -> {eleven}");
        // Warm, the same bytes differ by one segment's serialization only.
        let warm = link.transfer_ns(10 * SEGMENT + 1, Connection::Warm)
            - link.transfer_ns(10 * SEGMENT, Connection::Warm);
        assert!((warm - SEGMENT as f64 * 8.0 * 1000.0 / 200.0).abs() < 1.0);
        // 16 KiB plain needs two flights, its 3 KB gzip one: a round trip saved.
        let cold = on("cross-region", Connection::Cold);
        let saved = cold.transfer_ns(16_591) - cold.transfer_ns(2_983);
        assert!(saved > 79e6 && cold.worth_it(16_591, 2_983));
        // Flights wider than the path are limited by bandwidth, not by round trips.
        let lan = Link::named("lan").unwrap();
        let big = lan.transfer_ns(1 << 20, Connection::Cold);
        assert!(big >= lan.transfer_ns(1 << 20, Connection::Warm));
    }
}
