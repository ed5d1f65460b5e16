//! The one error type of the receive pipeline, classified by stage, and what a stage's refusal
//! carries: [`Rejection`], with the schema stage's [`Violation`]s.

use std::fmt;

use crate::catalogue::{Diagnostic, ErrorKind, ViolationKind};

/// One finding of the schema stage.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// JSON pointer of the offending value (of the missing member, for a missing one).
    pub pointer: String,
    /// Stable snake_case code: its [`ViolationKind`]'s.
    pub code: &'static str,
    /// Lowercase message with the numbers that matter.
    pub message: String,
    /// The vendor's error code for this kind of violation.
    #[serde(skip)]
    pub vendor_code: u16,
    /// The part of the constraint the value breaks, where the contract grades parts of one
    /// constraint at different levels (the corpus's rules); `None` for the constraint whole.
    #[serde(skip)]
    pub facet: Option<Facet>,
}

/// A part of a field's constraint that the contract grades apart from the rest of it: the
/// corpus gives each its own rule, at its own level (docs/contract.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Facet {
    /// A date of the YYYY-MM-DD form, or a date-time of the seed's form, that is on no
    /// calendar (February 30th, 1900-02-29, hour 24): the form is documented, the calendar is
    /// this project's reading (SHOULD).
    NotOnTheCalendar,
    /// A date-time with a space where RFC 3339 has `T` (RFC 3339 §5.6 allows it by
    /// agreement only).
    SpaceForT,
    /// Year 0000 in a date, which RFC 3339 allows and only the strict profile refuses.
    YearZero,
    /// A leap second (second 60) where none may be inserted, which only the strict profile
    /// refuses (RFC 3339 §5.7).
    LeapSecond,
    /// An empty string where letters and digits are asked for.
    Empty,
    /// An integer `vendorData`, which only the strict profile refuses.
    Integer,
    /// A number whose value is an integer, written with a fraction or an exponent (`100.0`,
    /// `1e2`): JSON Schema's `integer` takes it, a typed reader's integer often does not
    /// (RFC 8259 §6 has numbers only).
    IntegralFraction,
    /// `null` where an optional member goes: the seed gives every optional member a type and
    /// says nothing of null, which many typed readers take for the member left out.
    Null,
}

impl Violation {
    /// A violation of `kind` at `pointer`; code and vendor code are the kind's catalogue entry's.
    pub fn new(
        kind: ViolationKind,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            pointer: pointer.into(),
            code: kind.code(),
            message: message.into(),
            // Every violation entry has a vendor code (`catalogue::violation`).
            vendor_code: kind.entry().vendor_code.unwrap_or(1104),
            facet: None,
        }
    }

    /// The same, naming the part of the constraint broken.
    pub fn with_facet(self, facet: Option<Facet>) -> Self {
        Self { facet, ..self }
    }

    /// Its kind.
    pub fn kind(&self) -> Option<ViolationKind> {
        ViolationKind::from_code(self.code)
    }
}

/// A failure of one pipeline stage: its kind, a lowercase message with the numbers that matter
/// and, where there is one, the JSON pointer of the fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    pointer: String,
}

impl Error {
    /// A new error.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            pointer: String::new(),
        }
    }

    /// The same error, pointing into the body.
    pub fn at(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = pointer.into();
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// JSON pointer of the fault, or empty.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// The error as the first diagnostic of a failure answer, with its catalogue hint.
    pub fn diagnostic(&self) -> Diagnostic {
        Diagnostic {
            code: self.kind.code().to_owned(),
            pointer: self.pointer.clone(),
            message: self.message.clone(),
            hint: self.kind.entry().hint.to_owned(),
        }
    }
}

/// Why a stage refused a request: the error that decides the answer, the mistakes named beside
/// it, and for the schema stage every violation and warning.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// The error that decides status and vendor code.
    pub error: Error,
    /// The vendor code of the answer: the error kind's, or for the schema stage the first
    /// violation's.
    pub vendor_code: u16,
    /// Named mistakes, in the order found.
    pub mistakes: Vec<Diagnostic>,
    /// Every schema violation (schema stage only).
    pub violations: Vec<Violation>,
    /// Schema warnings (schema stage only).
    pub warnings: Vec<Violation>,
}

impl Rejection {
    /// The same rejection with `mistakes` named before its own (found by an earlier stage).
    pub fn after(mut self, mistakes: &[Diagnostic]) -> Self {
        self.mistakes.splice(0..0, mistakes.iter().cloned());
        self
    }

    /// The same rejection naming `mistake` too, when there is one.
    pub fn naming(mut self, mistake: Option<Diagnostic>) -> Self {
        self.mistakes.extend(mistake);
        self
    }
}

impl From<Error> for Rejection {
    fn from(error: Error) -> Self {
        Self {
            vendor_code: error.kind().vendor_code(),
            error,
            mistakes: Vec::new(),
            violations: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.code(), self.message)
    }
}

impl std::error::Error for Error {}
