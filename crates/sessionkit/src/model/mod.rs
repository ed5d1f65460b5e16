//! The typed model: the request payload of every documented field (`request`) and the answers
//! (`answer`).

mod answer;
mod request;

pub use answer::{CreatedVerification, FailureAnswer, Receipt, SessionCreated};
pub use request::{
    AcceptableType, Address, Consent, Document, DocumentNumberIdentifiers, DocumentType,
    MaritalStatus, Person, ProofOfAddress, ServiceCoverage, SessionRequest, SessionRequestBuilder,
    TextOrNumber, Verification,
};
