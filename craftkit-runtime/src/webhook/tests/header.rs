//! The rules of the header: `v1` values, schemes, whitespace, structure, `t`.

use super::*;

#[test]
fn malformed_v1_values_never_verify() {
    let valid = valid_v1();
    let mut one_byte_changed = valid.clone();
    one_byte_changed.replace_range(20..22, if &valid[20..22] == "00" { "01" } else { "00" });
    let cases = [
        String::new(),                                // empty
        valid[..10].to_owned(),                       // truncated: a prefix of the real tag
        valid[..62].to_owned(),                       // 31 bytes
        valid[..63].to_owned(),                       // odd length
        format!("{valid}00"),                         // 33 bytes, starting with the real tag
        format!("{}zz", &valid[..62]),                // not hex
        format!("{}+{}", &valid[..31], &valid[32..]), // a non-hex character inside
        one_byte_changed,
    ];
    for v1 in cases {
        assert_eq!(
            check(&format!("t={T},v1={v1}")),
            Err(WebhookError::SignatureMismatch),
            "v1={v1:?}"
        );
    }
    assert_eq!(
        check(&format!("t={T},v1=")),
        Err(WebhookError::SignatureMismatch)
    );
    assert_eq!(
        check(&format!("t={T},v1")),
        Err(WebhookError::MalformedHeader(
            "entry \"v1\" has no `=`".into()
        ))
    );
}

#[test]
fn uppercase_hex_is_accepted() {
    let upper = valid_v1().to_ascii_uppercase();
    assert!(upper.bytes().any(|b| b.is_ascii_uppercase()));
    assert_eq!(check(&format!("t={T},v1={upper}")).unwrap(), event());
}

#[test]
fn any_of_several_v1_may_match() {
    let valid = valid_v1();
    let other = sign("whsec_previous", &body(), T)["t=1764151200,v1=".len()..].to_owned();
    assert!(check(&format!("t={T},v1={other},v1={valid}")).is_ok());
    assert!(check(&format!("t={T},v1={valid},v1={other}")).is_ok());
    assert!(check(&format!("t={T},v1=,v1=zz,v1={valid}")).is_ok());
    assert_eq!(
        check(&format!("t={T},v1={other},v1={}", &valid[..10])),
        Err(WebhookError::SignatureMismatch)
    );
}

#[test]
fn unknown_schemes_are_ignored() {
    let valid = valid_v1();
    assert!(check(&format!("v0=deadbeef,t={T},v2=,v1={valid},x=y")).is_ok());
    // A real signature under another scheme name is not a v1 signature.
    assert_eq!(
        check(&format!("t={T},v0={valid}")),
        Err(WebhookError::MissingSignature)
    );
    assert_eq!(
        check(&format!("t={T},V1={valid}")),
        Err(WebhookError::MissingSignature)
    );
}

#[test]
fn whitespace_around_separators_is_tolerated() {
    let valid = valid_v1();
    assert!(check(&format!("  t = {T} ,\tv1 =\t{valid} , ")).is_ok());
    assert!(check(&format!("t={T},,v1={valid},")).is_ok());
}

#[test]
fn header_structure_errors() {
    let valid = valid_v1();
    let malformed = |header: String| match check(&header) {
        Err(WebhookError::MalformedHeader(_)) => {}
        other => panic!("{header:?}: {other:?}"),
    };
    malformed(format!("t={T},t={T},v1={valid}"));
    malformed(format!("t={T},v1={valid},t={}", T + 1));
    malformed(format!("t={T},v1={valid},garbage"));
    malformed(format!("t={T},={valid}"));
    assert_eq!(check(""), Err(WebhookError::MissingTimestamp));
    assert_eq!(
        check(&format!("v1={valid}")),
        Err(WebhookError::MissingTimestamp)
    );
    assert_eq!(
        check(&format!("t={T}")),
        Err(WebhookError::MissingSignature)
    );
    assert_eq!(
        check(&format!("t={T},v0={valid}")),
        Err(WebhookError::MissingSignature)
    );
}

#[test]
fn invalid_timestamps() {
    let valid = valid_v1();
    for t in [
        "",
        "abc",
        "-5",
        "+1764151200",
        "1764151200.0",
        "1.7e9",
        "9223372036854775808",
        "٣",
    ] {
        assert_eq!(
            check(&format!("t={t},v1={valid}")),
            Err(WebhookError::InvalidTimestamp),
            "t={t:?}"
        );
    }
    // A negative t from `sign` is refused, not wrapped.
    assert_eq!(
        verify(SECRET, &sign(SECRET, &body(), -5), &body(), at(T)),
        Err(WebhookError::InvalidTimestamp)
    );
}
