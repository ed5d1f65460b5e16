//! The typed request body of `POST /v1/sessions`, with every documented field.
//!
//! Absent fields are omitted on output, never sent as `null`. Fields whose documented examples use
//! JSON numbers (`vendorData`, `person.idNumber`, `mxIne`, `mxIfe`) are [`TextOrNumber`], so both
//! documented forms round-trip unchanged. Unknown properties are ignored when reading (the schema
//! layer reports them); the model never invents them.

use serde::{Deserialize, Serialize};

/// A field that the documentation describes as text but whose examples send as a JSON number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TextOrNumber {
    /// Sent as a JSON string.
    Text(String),
    /// Sent as a JSON number, kept exactly as written.
    Number(serde_json::Number),
}

impl From<&str> for TextOrNumber {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<String> for TextOrNumber {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<u64> for TextOrNumber {
    fn from(value: u64) -> Self {
        Self::Number(value.into())
    }
}

/// The request body: `{"verification": {...}}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SessionRequest {
    /// Session initialization data; `{}` is the minimal valid value.
    pub verification: Verification,
}

/// The `verification` object of the request.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// URL the end-user is redirected to after the session is completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<String>,
    /// Link that returns the end-user to the host application (custom schemes allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_app_link: Option<String>,
    /// Data about the person being verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Person>,
    /// Data about the document of the person being verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<Document>,
    /// Data about the address of the person being verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
    /// Proof-of-address document settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof_of_address: Option<ProofOfAddress>,
    /// Which country's verification services are offered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_coverage: Option<ServiceCoverage>,
    /// The UUID you created for your end-user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user_id: Option<String>,
    /// Your non-semantic identifier for the end-user, at most 1,000 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_data: Option<TextOrNumber>,
    /// Consents given by the end-user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consents: Option<Vec<Consent>>,
    /// Custom marker for the session, at most 64 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

/// Data about the person being verified.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)] // each field is the documented person field of the same name
pub struct Person {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<TextOrNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marital_status: Option<MaritalStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_deceased: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupation: Option<String>,
    /// Name inferred from the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub landline_phone_number: Option<String>,
    /// Name inferred from the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_first_name: Option<String>,
    /// Name inferred from the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_last_name: Option<String>,
    /// Name inferred from the description. `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marriage_date: Option<String>,
    /// Name inferred from the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Name inferred from the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_last_name: Option<String>,
}

/// `person.maritalStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum MaritalStatus {
    Single,
    Married,
    Divorced,
    Widowed,
}

/// Data about the document of the person being verified.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)] // each field is the documented document field of the same name
pub struct Document {
    /// `[a-zA-Z0-9]` characters only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// ISO 3166-1 alpha-2, capital letters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<DocumentType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_issue: Option<String>,
    /// `[a-zA-Z]` characters only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_card_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_number_identifiers: Option<DocumentNumberIdentifiers>,
    /// Name inferred from the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issue_date: Option<String>,
    /// Name inferred from the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_date: Option<String>,
    /// Name inferred from the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Name inferred from the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Name inferred from the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_number: Option<String>,
    /// Name inferred from the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_state: Option<String>,
    /// Name inferred from the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_number: Option<String>,
    /// Name inferred from the description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
}

/// `document.type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum DocumentType {
    Passport,
    IdCard,
    DriversLicense,
    ResidencePermit,
    Visa,
}

/// `document.documentNumberIdentifiers`, used by the MX INE database verification.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentNumberIdentifiers {
    /// "Identificador del ciudadano" of an INE card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mx_ine: Option<TextOrNumber>,
    /// The "ocr" of an IFE card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mx_ife: Option<TextOrNumber>,
}

/// Data about the address of the person being verified.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)] // all but fullAddress have names inferred from their descriptions
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub house_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbourhood: Option<String>,
}

/// Proof-of-address settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProofOfAddress {
    /// Accepted types for the proof of address document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptable_types: Option<Vec<AcceptableType>>,
}

/// One accepted proof-of-address document type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptableType {
    /// For example `UTILITY_BILL`.
    pub name: String,
}

/// Which country's verification services are offered.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServiceCoverage {
    /// ISO 3166-1 alpha-2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// One consent given by the end-user.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Consent {
    /// The feature the consent is given for (`ine`, `eid`, `general`, ...).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whether the consent has been given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<bool>,
    /// The consent text exactly as shown; often several KB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// RFC 3339 date-time in UTC (`Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

impl SessionRequest {
    /// Starts a builder for the common cases.
    pub fn builder() -> SessionRequestBuilder {
        SessionRequestBuilder::default()
    }

    /// Reads a parsed body into the model. Unlike plain `serde_json::from_value`, an array where
    /// an object belongs is refused: serde's derived structs also accept a sequence of their
    /// fields, so `{"verification": []}` would otherwise read as an empty verification (found by
    /// the `schema` fuzz target's differential check).
    pub fn from_value(value: &serde_json::Value) -> Result<Self, String> {
        fn objects_where_expected(
            value: &serde_json::Value,
            at: &str,
            shape: &Shape,
        ) -> Result<(), String> {
            match (shape, value) {
                (Shape::Object(members), serde_json::Value::Object(map)) => {
                    for (name, inner) in members.iter() {
                        if let Some(v) = map.get(*name) {
                            objects_where_expected(v, &format!("{at}/{name}"), inner)?;
                        }
                    }
                    Ok(())
                }
                (Shape::Object(_), _) => Err(format!("{at} is not an object")),
                (Shape::ArrayOf(item), serde_json::Value::Array(items)) => items
                    .iter()
                    .enumerate()
                    .try_for_each(|(i, v)| objects_where_expected(v, &format!("{at}/{i}"), item)),
                _ => Ok(()),
            }
        }
        objects_where_expected(value, "", &REQUEST_SHAPE)?;
        // `&Value` is itself a deserializer: no copy of the body.
        Self::deserialize(value).map_err(|e| e.to_string())
    }

    /// The compact serialization: no spaces, fields in model order. These are the bytes to sign.
    pub fn to_json_bytes(&self) -> Vec<u8> {
        // Serializing plain structs of strings, bools and numbers into a Vec cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// Where the model holds objects and arrays of objects; everything else is a scalar.
enum Shape {
    Object(&'static [(&'static str, Shape)]),
    ArrayOf(&'static Shape),
}

const ACCEPTABLE_TYPE: Shape = Shape::Object(&[]);
const CONSENT: Shape = Shape::Object(&[]);
const REQUEST_SHAPE: Shape = Shape::Object(&[(
    "verification",
    Shape::Object(&[
        ("person", Shape::Object(&[])),
        (
            "document",
            Shape::Object(&[("documentNumberIdentifiers", Shape::Object(&[]))]),
        ),
        ("address", Shape::Object(&[])),
        (
            "proofOfAddress",
            Shape::Object(&[("acceptableTypes", Shape::ArrayOf(&ACCEPTABLE_TYPE))]),
        ),
        ("serviceCoverage", Shape::Object(&[])),
        ("consents", Shape::ArrayOf(&CONSENT)),
    ]),
)]);

/// Builds a [`SessionRequest`] for the common cases; anything else is set on the fields directly.
#[derive(Debug, Clone, Default)]
pub struct SessionRequestBuilder {
    verification: Verification,
}

impl SessionRequestBuilder {
    /// Sets `callback`.
    pub fn callback(mut self, url: impl Into<String>) -> Self {
        self.verification.callback = Some(url.into());
        self
    }

    /// Sets `person.firstName` and `person.lastName`.
    pub fn person_name(mut self, first: impl Into<String>, last: impl Into<String>) -> Self {
        let person = self.verification.person.get_or_insert_with(Person::default);
        person.first_name = Some(first.into());
        person.last_name = Some(last.into());
        self
    }

    /// Sets `person.dateOfBirth` (`YYYY-MM-DD`).
    pub fn date_of_birth(mut self, date: impl Into<String>) -> Self {
        let person = self.verification.person.get_or_insert_with(Person::default);
        person.date_of_birth = Some(date.into());
        self
    }

    /// Sets `document.number`, `document.type` and `document.country`.
    pub fn document(
        mut self,
        number: impl Into<String>,
        kind: DocumentType,
        country: impl Into<String>,
    ) -> Self {
        let document = self
            .verification
            .document
            .get_or_insert_with(Document::default);
        document.number = Some(number.into());
        document.kind = Some(kind);
        document.country = Some(country.into());
        self
    }

    /// Sets `endUserId`.
    pub fn end_user_id(mut self, id: impl Into<String>) -> Self {
        self.verification.end_user_id = Some(id.into());
        self
    }

    /// Sets `vendorData`.
    pub fn vendor_data(mut self, data: impl Into<TextOrNumber>) -> Self {
        self.verification.vendor_data = Some(data.into());
        self
    }

    /// Appends an approved consent with its text and timestamp.
    pub fn consent(
        mut self,
        kind: impl Into<String>,
        text: impl Into<String>,
        timestamp: impl Into<String>,
    ) -> Self {
        self.verification
            .consents
            .get_or_insert_with(Vec::new)
            .push(Consent {
                kind: Some(kind.into()),
                approved: Some(true),
                text: Some(text.into()),
                timestamp: Some(timestamp.into()),
            });
        self
    }

    /// Sets `tag`.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.verification.tag = Some(tag.into());
        self
    }

    /// Sets `hostAppLink`.
    pub fn host_app_link(mut self, link: impl Into<String>) -> Self {
        self.verification.host_app_link = Some(link.into());
        self
    }

    /// Finishes the request.
    pub fn build(self) -> SessionRequest {
        SessionRequest {
            verification: self.verification,
        }
    }
}
