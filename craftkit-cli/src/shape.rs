//! `trigger --set PATH=VALUE`: a test event shaped by dot-paths before it is signed.
//!
//! PATH names a place in the event's JSON by its keys, `.`-separated (`data.filename`,
//! `data.error.code`); a segment that is a number indexes an array (`data.warnings.0`, or one
//! past its end to append). Objects missing on the way (or `null`) are created; any other
//! value on the way is an error that names the path. VALUE is JSON when it parses as JSON
//! (`3`, `true`, `null`, `"3"`, `{"code": "x"}`), else the text itself.
//!
//! The shaped event must still be an event: it must read as one (a field of the wrong type
//! is refused), its `object` stays `event`, its `id` starts with `evt_` (setting one is how
//! to send two events with the same id, to test a receiver's dedup), its `type` stays the
//! EVENT argument (which builds a consistent event: pick the type there), and its
//! `data.status` agrees with the type. Fields the event does not have are sent as given: a
//! receiver must tolerate fields added later.

use std::str::FromStr;

use serde_json::{Map, Value};

/// One `--set PATH=VALUE`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Assignment {
    /// The segments of PATH, none empty.
    pub path: Vec<String>,
    /// VALUE, as JSON.
    pub value: Value,
}

impl FromStr for Assignment {
    type Err = String;

    fn from_str(text: &str) -> Result<Assignment, String> {
        let (path, value) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}` is not PATH=VALUE (e.g. data.filename=a.pdf)"))?;
        if path.is_empty() {
            return Err(format!(
                "`{text}`: the path is empty (e.g. data.filename=a.pdf)"
            ));
        }
        let segments: Vec<String> = path.split('.').map(str::to_owned).collect();
        if segments.iter().any(String::is_empty) {
            return Err(format!(
                "`{path}`: a path is keys separated by single dots, none empty"
            ));
        }
        let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
        Ok(Assignment {
            path: segments,
            value,
        })
    }
}

impl Assignment {
    /// PATH as given.
    fn path(&self) -> String {
        self.path.join(".")
    }

    /// Sets PATH of `event` to VALUE; an error names the path and what is in the way.
    pub(crate) fn apply(&self, event: &mut Value) -> Result<(), String> {
        let mut place = event;
        for (depth, segment) in self.path.iter().enumerate() {
            let last = depth + 1 == self.path.len();
            let container = self.path[..depth].join(".");
            if place.is_null() {
                *place = Value::Object(Map::new());
            }
            place = match place {
                Value::Object(map) => map.entry(segment.clone()).or_insert(if last {
                    Value::Null
                } else {
                    Value::Object(Map::new())
                }),
                Value::Array(items) => {
                    let len = items.len();
                    // One past the end appends, for the last segment only.
                    match segment.parse::<usize>() {
                        Ok(i) if i < len => &mut items[i],
                        Ok(i) if i == len && last => {
                            items.push(Value::Null);
                            &mut items[i]
                        }
                        _ => {
                            return Err(format!(
                                "--set {}: `{container}` is an array of {len}: `{segment}` is \
                                 not one of its indices{}",
                                self.path(),
                                if last {
                                    " (or the next, to append)"
                                } else {
                                    ""
                                }
                            ));
                        }
                    }
                }
                other => {
                    return Err(format!(
                        "--set {}: `{container}` is {}, not an object",
                        self.path(),
                        describe(other)
                    ));
                }
            };
        }
        *place = self.value.clone();
        Ok(())
    }
}

/// What a JSON value is, for an error message.
fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("the string {s:?}"),
        Value::Number(n) => format!("the number {n}"),
        Value::Bool(b) => format!("{b}"),
        Value::Null => "null".to_owned(),
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

/// `event` shaped by each assignment in turn, then checked to still be an event of type
/// `kind`: the error says which assignment or which rule.
pub(crate) fn shape(event: Value, kind: &str, sets: &[Assignment]) -> Result<Value, String> {
    let mut event = event;
    for set in sets {
        set.apply(&mut event)?;
    }
    check(&event, kind, sets)?;
    Ok(event)
}

/// Whether `event` is still a valid event of type `kind`, after `sets`.
fn check(event: &Value, kind: &str, sets: &[Assignment]) -> Result<(), String> {
    if event["object"] != "event" {
        return Err("--set object: an event's `object` is always \"event\"".to_owned());
    }
    if event["type"] != kind {
        return Err(format!(
            "--set type: the type is the EVENT argument (`cargo craftkit trigger {}`), which \
             builds a consistent event; it stays `{kind}` here",
            event["type"].as_str().unwrap_or("render.failed")
        ));
    }
    match event["id"].as_str() {
        Some(id) if id.len() > "evt_".len() && id.starts_with("evt_") => {}
        _ => return Err("--set id: an event's id is `evt_` and more, a string".to_owned()),
    }
    let status = kind.strip_prefix("render.").unwrap_or(kind);
    if event["data"]["status"] != status {
        return Err(format!(
            "--set data.status: a {kind} event is about a render whose status is `{status}`"
        ));
    }
    serde_json::from_value::<craftkit_core::api::Event>(event.clone())
        .map(drop)
        .map_err(|e| {
            let paths: Vec<String> = sets.iter().map(|s| format!("--set {}", s.path())).collect();
            format!(
                "the shaped event is not an event any more ({e}): check the values of {}",
                paths.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn set(text: &str) -> Assignment {
        text.parse().unwrap()
    }

    fn event() -> Value {
        json!({"id": "evt_1", "object": "event", "type": "render.succeeded", "createdAt": "x",
               "data": {"filename": "a.pdf", "pages": 1, "warnings": ["w"], "error": null}})
    }

    #[test]
    fn values_are_json_when_they_parse_and_text_otherwise() {
        let cases = [
            ("data.filename=r.pdf", json!("r.pdf")),
            ("data.pages=3", json!(3)),
            ("a=true", json!(true)),
            ("a=null", json!(null)),
            (r#"a="3""#, json!("3")),
            (r#"a={"code": "x"}"#, json!({"code": "x"})),
            ("a=", json!("")),
            ("a=b=c", json!("b=c")),
        ];
        for (text, value) in cases {
            assert_eq!(set(text).value, value, "{text}");
        }
        assert_eq!(set("data.error.code=x").path, ["data", "error", "code"]);
        for bad in ["nothing", "=3", ".a=1", "a..b=1", "a.=1"] {
            assert!(bad.parse::<Assignment>().is_err(), "{bad}");
        }
    }

    #[test]
    fn paths_set_fields_create_missing_objects_and_index_arrays() {
        let mut e = event();
        for text in [
            "data.filename=r.pdf",
            "data.error.code=boom",
            "data.warnings.0=first",
            "data.warnings.1=second",
            "data.extra.deep=1",
        ] {
            set(text).apply(&mut e).unwrap();
        }
        assert_eq!(e["data"]["filename"], "r.pdf");
        assert_eq!(e["data"]["error"], json!({"code": "boom"}));
        assert_eq!(e["data"]["warnings"], json!(["first", "second"]));
        assert_eq!(e["data"]["extra"], json!({"deep": 1}));
    }

    #[test]
    fn a_parent_that_is_not_an_object_is_an_error_naming_the_path() {
        let mut e = event();
        let error = set("data.filename.x=1").apply(&mut e).unwrap_err();
        assert!(error.contains("data.filename.x"), "{error}");
        assert!(error.contains("`data.filename` is the string"), "{error}");
        let error = set("data.warnings.5=1").apply(&mut e).unwrap_err();
        assert!(
            error.contains("data.warnings.5") && error.contains("array of 1"),
            "{error}"
        );
        let error = set("data.warnings.x.y=1").apply(&mut e).unwrap_err();
        assert!(error.contains("data.warnings.x.y"), "{error}");
        let error = set("data.pages.n=1").apply(&mut e).unwrap_err();
        assert!(error.contains("`data.pages` is the number 1"), "{error}");
    }

    #[test]
    fn the_shaped_event_must_stay_an_event_of_its_type() {
        let real = |kind| {
            serde_json::to_value(craftkit_devserver::test_event(
                craftkit_core::api::EventType::from(kind),
                None,
                std::time::SystemTime::now(),
            ))
            .unwrap()
        };
        let ok = shape(
            real("render.succeeded"),
            "render.succeeded",
            &[
                set("data.filename=x.pdf"),
                set("id=evt_same"),
                set("data.new=1"),
            ],
        )
        .unwrap();
        assert_eq!(
            (&ok["id"], &ok["data"]["filename"]),
            (&json!("evt_same"), &json!("x.pdf"))
        );
        let failed = shape(
            real("render.failed"),
            "render.failed",
            &[set("data.error.code=oops")],
        )
        .unwrap();
        assert_eq!(failed["data"]["error"]["code"], "oops");
        for (text, rule) in [
            ("type=render.failed", "--set type"),
            ("object=thing", "--set object"),
            ("id=1", "--set id"),
            ("id=abc", "--set id"),
            ("data.status=failed", "--set data.status"),
            ("data.pages=many", "not an event"),
        ] {
            let error =
                shape(real("render.succeeded"), "render.succeeded", &[set(text)]).unwrap_err();
            assert!(error.contains(rule), "{text}: {error}");
        }
    }
}
