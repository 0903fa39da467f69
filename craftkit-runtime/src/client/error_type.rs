//! The contract's error types (an error answer's `error.type`) as an enum: one table, read by
//! the enum, its parser and its spelling.

use std::fmt;

/// Defines [`ApiErrorType`], its parser and its spelling from one table of
/// `Variant => "wire_name", status, "doc"` rows.
macro_rules! error_types {
    ($($variant:ident => $wire:literal, $status:literal, $doc:literal;)*) => {
        /// The `type` of an error answer, as `openapi.yaml`'s `ErrorType` lists them, with the
        /// raw string kept for a type this version of the crate does not know.
        ///
        /// `#[non_exhaustive]`: a later version may add the API's new types as variants, so a
        /// `match` needs a `_` arm. Compare with a string when that reads better:
        /// `error_type == "rate_limited"`.
        ///
        /// ```
        /// use craftkit_runtime::client::ApiErrorType;
        ///
        /// assert_eq!(ApiErrorType::parse("validation_failed"), ApiErrorType::ValidationFailed);
        /// assert_eq!(ApiErrorType::ValidationFailed.as_str(), "validation_failed");
        /// let newer = ApiErrorType::parse("quota_exceeded");
        /// assert_eq!(newer, ApiErrorType::Unknown("quota_exceeded".into()));
        /// assert_eq!(newer, "quota_exceeded");
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ApiErrorType {
            $(
                #[doc = concat!("`", $wire, "` (", stringify!($status), "): ", $doc)]
                $variant,
            )*
            /// A type this version does not know (from a newer API), as it was sent.
            Unknown(String),
        }

        impl ApiErrorType {
            /// The type an error answer's `error.type` names; [`ApiErrorType::Unknown`] for a
            /// string the contract does not list.
            pub fn parse(wire: &str) -> ApiErrorType {
                match wire {
                    $($wire => ApiErrorType::$variant,)*
                    other => ApiErrorType::Unknown(other.to_owned()),
                }
            }

            /// The type as the API writes it (`validation_failed`).
            pub fn as_str(&self) -> &str {
                match self {
                    $(ApiErrorType::$variant => $wire,)*
                    ApiErrorType::Unknown(wire) => wire,
                }
            }

            /// Every type the contract lists, with the status the API answers it with.
            pub const KNOWN: &'static [(&'static str, u16)] = &[$(($wire, $status),)*];
        }
    };
}

error_types! {
    InvalidRequest => "invalid_request", 400, "the request is malformed (a bad header, body or query).";
    Unauthenticated => "unauthenticated", 401, "the API key is missing, malformed or revoked.";
    NotFound => "not_found", 404, "no such template, render, share or route.";
    TemplateNotPublished => "template_not_published", 404, "the template exists but has no published version.";
    IdempotencyConflict => "idempotency_conflict", 409, "the idempotency key was used with another request.";
    IdempotencyInProgress => "idempotency_in_progress", 409, "a request with this idempotency key is still being processed (worth retrying).";
    TemplateExists => "template_exists", 409, "a template with this slug exists (create it with replace to overwrite its draft).";
    RenderNotReady => "render_not_ready", 409, "the render has no PDF yet.";
    TemplateVersionMismatch => "template_version_mismatch", 409, "a pinned version is not the published one.";
    PayloadTooLarge => "payload_too_large", 413, "the request body is over the API's limit.";
    ValidationFailed => "validation_failed", 422, "the data breaks the template's rules; the details name each problem's path.";
    RateLimited => "rate_limited", 429, "too many requests; `Retry-After` says when to come back.";
    ServerError => "server_error", 500, "Craftkit failed (500, 502, 503 or 504; worth retrying).";
}

impl fmt::Display for ApiErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for ApiErrorType {
    fn from(wire: &str) -> ApiErrorType {
        ApiErrorType::parse(wire)
    }
}

impl PartialEq<str> for ApiErrorType {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ApiErrorType {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_type_parses_to_itself_and_is_not_unknown() {
        for (wire, _) in ApiErrorType::KNOWN {
            let parsed = ApiErrorType::parse(wire);
            assert!(!matches!(parsed, ApiErrorType::Unknown(_)), "{wire}");
            assert_eq!(parsed.as_str(), *wire);
            assert_eq!(parsed.to_string(), *wire);
        }
    }

    #[test]
    fn an_unknown_type_keeps_its_raw_string() {
        let parsed = ApiErrorType::parse("Validation_Failed");
        assert_eq!(parsed, ApiErrorType::Unknown("Validation_Failed".into()));
        assert_eq!(parsed.as_str(), "Validation_Failed");
    }
}
