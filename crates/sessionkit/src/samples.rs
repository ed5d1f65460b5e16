//! What every generator of requests draws from (the testkit's proptest strategies, the fuzz
//! targets, the live fuzzer, the benchmarks and the threshold tool), each with its own source of
//! randomness: a seeded generator of realistic consent prose (varied legal sentences, not
//! repeated characters or random bytes, so that compression ratios resemble those of real
//! consent texts), the seed's example payload around it, the calendar and the alphabets of the
//! documented fields.

/// Days in `month` (1-12) of `year` in the Gregorian calendar, for generators of valid dates.
pub fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The characters of a document number (the schema's `^[A-Za-z0-9]+$`) and of an id number.
pub const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Capital letters, of which a country code (ISO 3166-1 alpha-2) is two.
pub const CAPITALS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";

// Word-level choices, numbers and names vary every sentence, so the text compresses like real
// consent statements (the documentation expects 60-80 % savings), not like a repeated phrase.
const SUBJECTS: &[&str] = &[
    "I",
    "The end-user",
    "The data subject",
    "I, the undersigned,",
    "The applicant",
    "The account holder",
    "Each participant",
    "The customer named above",
    "Der Nutzer",
    "El titular",
];
const VERBS: &[&str] = &[
    "consent to",
    "agree to",
    "acknowledge",
    "expressly authorise",
    "understand and permit",
    "do not object to",
    "accept",
    "have been informed of",
    "request",
    "confirm my agreement with",
];
const NOUNS: &[&str] = &[
    "processing",
    "collection",
    "storage",
    "transfer",
    "disclosure",
    "comparison",
    "retention",
    "erasure",
    "verification",
    "pseudonymisation",
    "encryption",
    "profiling",
    "analysis",
    "recording",
    "review",
];
const DATA: &[&str] = &[
    "personal data",
    "biometric templates",
    "facial images",
    "identity document scans",
    "device signals",
    "geolocation",
    "date of birth",
    "national identification number",
    "address history",
    "voice samples",
    "liveness video",
    "document security features",
    "machine-readable zone",
    "tax identifier",
];
const PARTIES: &[&str] = &[
    "the controller",
    "its processors",
    "sub-processors",
    "the issuing authority",
    "credit reference agencies",
    "the Instituto Nacional Electoral",
    "registry operators",
    "auditors",
    "supervisory authorities",
    "affiliated companies",
    "service providers in the United Kingdom",
    "law enforcement on lawful request",
];
const PURPOSES: &[&str] = &[
    "identity verification",
    "fraud prevention",
    "anti-money-laundering screening",
    "age assurance",
    "sanctions and politically exposed person checks",
    "account recovery",
    "regulatory reporting",
    "quality assurance and model training",
    "dispute resolution",
    "statistical research",
];
const BASES: &[&str] = &[
    "Article 6(1)(a)",
    "Article 6(1)(c)",
    "Article 9(2)(a)",
    "Section 2 of Schedule 1",
    "Article 7",
    "Recital 51",
    "the Ley Federal de Protección de Datos",
    "the Lei Geral de Proteção de Dados",
];

/// About `size` bytes of consent prose (whole sentences, cut to at most `size` bytes on a
/// character boundary), the same for the same `seed`.
pub fn consent_text(size: usize, seed: u64) -> String {
    let mut state = seed | 1;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut out = String::with_capacity(size + 512);
    let mut section = 1;
    while out.len() < size {
        if next(7) == 0 {
            out.push_str(&format!("\n\n{section}. "));
            section += 1;
        }
        let sentence = match next(3) {
            0 => format!(
                "{} {} the {} and {} of my {} and {} by {} and {} for {} under {}, for no longer than {} {} after {}. ",
                SUBJECTS[next(SUBJECTS.len())],
                VERBS[next(VERBS.len())],
                NOUNS[next(NOUNS.len())],
                NOUNS[next(NOUNS.len())],
                DATA[next(DATA.len())],
                DATA[next(DATA.len())],
                PARTIES[next(PARTIES.len())],
                PARTIES[next(PARTIES.len())],
                PURPOSES[next(PURPOSES.len())],
                BASES[next(BASES.len())],
                2 + next(88),
                ["days", "months", "years"][next(3)],
                [
                    "the session ends",
                    "the contract terminates",
                    "my last transaction",
                    "verification"
                ][next(4)],
            ),
            1 => format!(
                "Where {} relies on {}, {} may ask {} to confirm whether my {} was used for {}; a reply is due within {} days of request no. {}-{:05}. ",
                PARTIES[next(PARTIES.len())],
                BASES[next(BASES.len())],
                SUBJECTS[next(SUBJECTS.len())].to_lowercase(),
                PARTIES[next(PARTIES.len())],
                DATA[next(DATA.len())],
                PURPOSES[next(PURPOSES.len())],
                5 + next(40),
                2020 + next(7),
                next(100_000),
            ),
            _ => format!(
                "Withdrawal: write to privacy-{}@example.com or call +{} {} {}; {} of {} stops on day {} and {} is notified. ",
                next(1000),
                1 + next(98),
                100 + next(900),
                1000 + next(9000),
                NOUNS[next(NOUNS.len())],
                DATA[next(DATA.len())],
                1 + next(30),
                PARTIES[next(PARTIES.len())],
            ),
        };
        out.push_str(&sentence);
    }
    let mut end = size.min(out.len());
    while !out.is_char_boundary(end) {
        end -= 1;
    }
    out.truncate(end);
    out
}

/// The seed's Python example payload with a consent text of about `size` bytes.
pub fn payload(size: usize, seed: u64) -> crate::model::SessionRequest {
    crate::model::SessionRequest::builder()
        .callback("https://example.com/callback")
        .vendor_data("customer-123")
        .consent("general", consent_text(size, seed), "2026-05-08T10:00:00Z")
        .build()
}
