//! The regular expressions of the string types, written to accept exactly what the server's
//! parsers accept (`craftkit_core::value`), in the portable subset of ECMA-262 that Rust's
//! `regex` engine also reads: no look-around, no back-references, no flags (case-insensitive
//! parts are spelled `[dD][aA]...`), `[0-9]` rather than `\d` (which is Unicode-wide in some
//! engines), and `\uXXXX` escapes only inside classes.

use std::sync::LazyLock;

/// A leap year, 0000-9999: divisible by 4 and not by 100, or by 400.
const LEAP_YEAR: &str = concat!(
    "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])",
    "|(?:0[048]|[2468][048]|[13579][26])00)"
);

/// A common year: every year [`LEAP_YEAR`] does not match.
const COMMON_YEAR: &str = concat!(
    "(?:[0-9]{2}(?:[02468][1235679]|[13579][013-57-9])",
    "|(?:[02468][1235679]|[13579][013-57-9])00)"
);

/// Every day of the proleptic Gregorian calendar, years 0000-9999 (`Date::parse`).
static DATE: LazyLock<String> = LazyLock::new(|| {
    format!(
        concat!(
            "(?:[0-9]{{4}}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])",
            "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)",
            "|02-(?:0[1-9]|1[0-9]|2[0-8]))",
            "|{leap}-02-29)"
        ),
        leap = LEAP_YEAR
    )
});

/// The last day of every month: where a leap second can fall.
static LAST_DAY: LazyLock<String> = LazyLock::new(|| {
    format!(
        concat!(
            "(?:[0-9]{{4}}-(?:(?:0[13578]|1[02])-31|(?:0[469]|11)-30)",
            "|{common}-02-28|{leap}-02-29)"
        ),
        common = COMMON_YEAR,
        leap = LEAP_YEAR
    )
});

/// Up to nanoseconds.
const FRACTION: &str = r"(?:\.[0-9]{1,9})?";

/// `Z`, `z` or `±HH:MM` with hours 00-23 and minutes 00-59.
const OFFSET: &str = "(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])";

/// `date`: exactly `YYYY-MM-DD`, a real day.
pub(crate) static DATE_PATTERN: LazyLock<String> = LazyLock::new(|| format!("^{}$", *DATE));

/// `datetime`: RFC 3339 with an offset, as `DateTime::parse` reads it. A second of 60 is
/// matched only as 23:59:60 written in UTC (`Z`, `+00:00`, `-00:00`) on a month's last day:
/// the server also accepts that instant written in another offset, which a regular
/// expression can only match by listing every offset.
pub(crate) static DATETIME_PATTERN: LazyLock<String> = LazyLock::new(|| {
    format!(
        concat!(
            "^(?:{date}[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]{fraction}{offset}",
            "|{last_day}[Tt]23:59:60{fraction}(?:[Zz]|[+-]00:00))$"
        ),
        date = *DATE,
        last_day = *LAST_DAY,
        fraction = FRACTION,
        offset = OFFSET,
    )
});

/// What `char::is_whitespace` or `char::is_control` is true of, as the body of a class: a URL
/// must escape them.
const SPACE_OR_CONTROL: &str =
    r"\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";

/// `image` and `signature`: an `https://` URL with a host and an optional numeric port, or a
/// `data:` URI of `image/png`, `image/jpeg` or `image/svg+xml` (`Image::validate`), with a
/// strict base64 payload, or for SVG a percent-encoded one. The 10 MiB limit on the decoded
/// content is not matched.
pub(crate) static IMAGE_PATTERN: LazyLock<String> = LazyLock::new(|| {
    let ws = SPACE_OR_CONTROL;
    let url = format!(
        concat!(
            "[hH][tT][tT][pP][sS]://",
            // userinfo: up to the last `@` of the authority
            "(?:[^/?#{ws}]*@)?",
            "(?:",
            // `[IPv6]`, then an optional port
            r"\[[^/?#@\]{ws}]+\](?::[0-9]*)?",
            // a host without `:` (not starting with `[`)
            r"|[^/?#@:\[{ws}][^/?#@:{ws}]*",
            // a host, then the port after the last `:`
            r"|[^/?#@\[{ws}][^/?#@{ws}]*:[0-9]*",
            ")",
            "(?:[/?#][^{ws}]*)?"
        ),
        ws = ws
    );
    let image = "[iI][mM][aA][gG][eE]/";
    let svg = r"[sS][vV][gG]\+[xX][mM][lL]";
    let charset = "(?:;[cC][hH][aA][rR][sS][eE][tT]=[!#$%&'*+.0-9A-Z^_`a-z{|}~-]+)?";
    let base64 = concat!(
        "(?:[A-Za-z0-9+/]{4})*",
        "(?:[A-Za-z0-9+/][AQgw](?:==?)?|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=?)?"
    );
    let percent = r"(?:%[0-9A-Fa-f]{2}|[^%\u0000-\u001F\u007F])*";
    let data = format!(
        concat!(
            "[dD][aA][tT][aA]:{image}(?:",
            "(?:[pP][nN][gG]|[jJ][pP][eE][gG]|{svg}){charset};[bB][aA][sS][eE]64,{base64}",
            "|{svg}{charset},{percent})"
        ),
        image = image,
        svg = svg,
        charset = charset,
        base64 = base64,
        percent = percent,
    );
    format!("^(?:{url}|{data})$")
});
