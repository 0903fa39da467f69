//! `GET /v1/openapi.json`: the API contract as an OpenAPI 3.1 document, served without a key.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The document, converted from `openapi.yaml` to JSON by the build script.
pub(crate) const DOCUMENT: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi.json"));

pub(crate) async fn document() -> Response {
    let mut response = DOCUMENT.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value;

    use super::DOCUMENT;

    /// The methods an OpenAPI path item may describe.
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];

    #[test]
    fn the_routes_are_the_documents_paths_both_ways() {
        let document: Value = serde_json::from_str(DOCUMENT).unwrap();
        let documented: BTreeSet<(String, String)> = document["paths"]
            .as_object()
            .expect("the document has paths")
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .into_iter()
                    .flat_map(|item| item.keys())
                    .filter(|key| METHODS.contains(&key.as_str()))
                    .map(move |method| (method.to_uppercase(), path.clone()))
            })
            .collect();
        let served: BTreeSet<(String, String)> = super::super::routes()
            .iter()
            .map(|route| (route.method.to_string(), route.path.to_owned()))
            .collect();
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let unserved: Vec<_> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty() && unserved.is_empty(),
            "served but not in openapi.yaml: {undocumented:?}; in openapi.yaml but not served: {unserved:?}"
        );
        assert!(served.len() >= 13, "{served:?}");
    }

    #[test]
    fn the_document_is_openapi_3_1_with_every_operation_named() {
        let document: Value = serde_json::from_str(DOCUMENT).unwrap();
        assert_eq!(document["openapi"], "3.1.0");
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                assert!(
                    operation["operationId"].is_string(),
                    "{method} {path} has no operationId"
                );
            }
        }
    }
}
