//! What one refusal may cost the doctor: the hypotheses (one HMAC each) and the recompressions
//! it may try, both fewer as the body grows.

/// Hypotheses (one HMAC each) one failed request may cost: 64 up to 4 KiB of body, 12 up to
/// 64 KiB, 4 above. An HMAC over the body is most of a hypothesis's cost, so larger bodies try
/// fewer (benches/, group `doctor`).
pub fn budget(len: usize) -> usize {
    match len {
        0..=4_096 => 64,
        4_097..=65_536 => 12,
        _ => 4,
    }
}

/// Recompressions (at other levels) one failed request may cost, each also one HMAC of the
/// budget: all nine levels up to 4 KiB of decoded body, three up to 64 KiB, none above (level 9
/// on a 1 MiB body costs tens of milliseconds: too much to spend on a stranger's refusal).
pub fn recompressions(len: usize) -> usize {
    match len {
        0..=4_096 => 9,
        4_097..=65_536 => 3,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::Encoding;
    use crate::crypto::{self, Signed};
    use crate::diagnose::doctor::Doctor;

    #[test]
    fn the_budget_bounds_the_work_and_shrinks_with_the_body() {
        assert!(budget(1024) > budget(60_000) && budget(60_000) > budget(1 << 20));
        for len in [1024, 60_000, 1 << 20] {
            let body = vec![b' '; len];
            let sig = crypto::sign(b"nobody's", b"x");
            let secrets = [b"secret".to_vec(), b"rotated".to_vec()];
            let mut doctor = Doctor::new(&secrets, "key", &[], &sig, len);
            assert!(
                doctor
                    .mismatch(Signed::body(&body, &body, Encoding::Identity))
                    .is_none()
            );
            // Every HMAC goes through `matches`, which refuses once the budget is spent: a small
            // body gets through its hypotheses, a 1 MiB one stops after 4 HMACs.
            let spent = budget(len) - doctor.left;
            assert!(spent > 0 && spent <= budget(len), "{len}: {spent}");
            if len == 1 << 20 {
                assert_eq!(doctor.left, 0);
            }
        }
    }
}
