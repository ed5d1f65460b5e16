//! The cost model behind "is compression worth it": CPU time to compress and decompress against
//! the time the saved bytes take on the link. `sessionkit threshold` measures the CPU side on the
//! machine it runs on; the advisory `compression_not_worth_it` uses [`CostModel::DEFAULT`].

/// Payload bytes of one TCP segment on an Ethernet path (1500-byte MTU, 40 bytes of headers).
pub const SEGMENT: usize = 1460;

/// Linear costs of compressing and decompressing, and a link speed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostModel {
    /// Link speed in megabits per second.
    pub link_mbps: f64,
    /// Fixed cost of one compression plus one decompression (state setup), in nanoseconds.
    pub fixed_ns: f64,
    /// Compression plus decompression cost per uncompressed byte, in nanoseconds.
    pub per_byte_ns: f64,
}

impl CostModel {
    /// gzip at level 6 as `sessionkit threshold` measured it on the project's 2-core development
    /// machine (libdeflate encode + zlib-rs decode of consent prose: 14 µs for a 181-byte body,
    /// 15 µs at 1 KiB, 83 µs at 16 KiB, 351 µs at 64 KiB; fitted as 14 µs + 5 ns/byte), and a
    /// 100 Mbit/s link: a fast office or mobile uplink, where compression pays from about 2 KiB
    /// of consent text.
    pub const DEFAULT: CostModel = CostModel {
        link_mbps: 100.0,
        fixed_ns: 14_000.0,
        per_byte_ns: 5.0,
    };

    /// Nanoseconds `bytes` take on the link, counted in whole TCP segments: bytes saved within
    /// a segment that is sent anyway save nothing, which is why small bodies never pay.
    pub fn transfer_ns(&self, bytes: usize) -> f64 {
        let segments = bytes.div_ceil(SEGMENT).max(1);
        (segments * SEGMENT) as f64 * 8.0 * 1_000.0 / self.link_mbps
    }

    /// Nanoseconds of CPU to compress and decompress `decoded_len` bytes.
    pub fn cpu_ns(&self, decoded_len: usize) -> f64 {
        self.fixed_ns + self.per_byte_ns * decoded_len as f64
    }

    /// True when sending `wire_len` compressed bytes instead of `decoded_len` plain ones saves
    /// more link time than the compression and decompression cost.
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

    #[test]
    fn small_bodies_do_not_pay_and_compressible_large_ones_do() {
        let model = CostModel::DEFAULT;
        // 1,400 bytes compressed to 600: one segment either way, nothing saved.
        assert!(!model.worth_it(1_400, 600));
        // 3,000 bytes to 1,000: three segments become one, 234 µs saved against 29 µs.
        assert!(model.worth_it(3_000, 1_000));
        // 16 KiB of prose to 3 KB: about 1.07 ms saved against about 0.08 ms.
        assert!(model.worth_it(16_591, 2_983));
        // Incompressible data never pays.
        assert!(!model.worth_it(16_000, 16_100));
        let slow = CostModel {
            link_mbps: 10_000.0,
            ..model
        };
        assert!(
            !slow.worth_it(16_591, 2_983),
            "on a 10 Gbit/s link the CPU costs more"
        );
    }
}
