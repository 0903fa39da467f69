use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_PAD_INDIFFERENT};
use proptest::prelude::*;

use super::data_uri::{BASE64_CHUNK, check_base64};
use super::sniff::{JPEG_SIGNATURE, PNG_SIGNATURE, looks_like_svg};
use super::*;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\0\x10JFIF";
const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>"#;

/// Whether an error is the one a case expects.
type Expect = fn(&ValueError) -> bool;

fn image(s: &str) -> Image {
    Image::parse(s).unwrap_or_else(|err| panic!("{s:?}: {err}"))
}

#[test]
fn accepts_https_urls() {
    for url in [
        "https://cdn.example.com/logo.png",
        "HTTPS://cdn.example.com",
        "https://cdn.example.com:8443/a.png?size=2#x",
        "https://user:pass@cdn.example.com/a.png",
        "https://[::1]:443/a.png",
        "https://bücher.example/logo.png",
        "https://example.com:/a",
    ] {
        let value = image(url);
        assert!(value.is_url());
        assert_eq!(value.as_str(), url);
        assert_eq!(value.media_type(), None);
        assert_eq!(value.decode(), None);
        assert_eq!(Image::from_url(url).unwrap(), value);
    }
}

#[test]
fn rejects_other_urls() {
    let cases: [(&str, Expect); 14] = [
        (
            "http://cdn.example.com/a.png",
            |e| matches!(e, ValueError::UnsupportedScheme { scheme, .. } if scheme == "http"),
        ),
        ("ftp://cdn.example.com/a.png", |e| {
            matches!(e, ValueError::UnsupportedScheme { .. })
        }),
        ("file:///etc/passwd", |e| {
            matches!(e, ValueError::UnsupportedScheme { .. })
        }),
        ("https:cdn.example.com", |e| {
            matches!(e, ValueError::InvalidUrl { .. })
        }),
        ("https://", |e| matches!(e, ValueError::InvalidUrl { .. })),
        ("https:///a.png", |e| {
            matches!(e, ValueError::InvalidUrl { .. })
        }),
        ("https://user@/a.png", |e| {
            matches!(e, ValueError::InvalidUrl { .. })
        }),
        ("https://:443/a.png", |e| {
            matches!(e, ValueError::InvalidUrl { .. })
        }),
        ("https://[::1/a.png", |e| {
            matches!(e, ValueError::InvalidUrl { .. })
        }),
        ("https://example.com:44x/a.png", |e| {
            matches!(e, ValueError::InvalidUrl { .. })
        }),
        ("https://example.com/a b.png", |e| {
            matches!(e, ValueError::InvalidUrl { .. })
        }),
        ("https://example.com/a\u{7}.png", |e| {
            matches!(e, ValueError::InvalidUrl { .. })
        }),
        ("cdn.example.com/a.png", |e| {
            matches!(e, ValueError::NotImageSource { .. })
        }),
        ("", |e| matches!(e, ValueError::NotImageSource { .. })),
    ];
    for (input, expected) in cases {
        let err = Image::parse(input).unwrap_err();
        assert!(expected(&err), "{input:?}: {err:?}");
        assert_eq!(Image::validate(input), Err(err));
    }
    for url in [
        " https://example.com/a.png",
        "https://example.com/a.png\n",
        "https://example.com/\u{a0}",
    ] {
        assert!(Image::parse(url).is_err(), "{url:?}");
    }
    assert!(matches!(
        Image::from_url("data:image/png;base64,iVBORw0KGgo="),
        Err(ValueError::InvalidUrl { .. })
    ));
}

#[test]
fn accepts_data_uris() {
    let cases = [
        (
            "data:image/png;base64,iVBORw0KGgo=",
            "image/png",
            PNG_SIGNATURE.to_vec(),
        ),
        (
            "data:image/png;base64,iVBORw0KGgo",
            "image/png",
            PNG_SIGNATURE.to_vec(),
        ),
        (
            "DATA:Image/PNG;BASE64,iVBORw0KGgo=",
            "image/png",
            PNG_SIGNATURE.to_vec(),
        ),
        (
            "data:image/jpeg;base64,/9j/",
            "image/jpeg",
            JPEG_SIGNATURE.to_vec(),
        ),
        ("data:image/jpeg;base64,", "image/jpeg", Vec::new()),
        (
            "data:image/svg+xml;base64,PHN2Zy8+",
            "image/svg+xml",
            b"<svg/>".to_vec(),
        ),
        (
            "data:image/svg+xml;charset=utf-8;base64,PHN2Zy8+",
            "image/svg+xml",
            b"<svg/>".to_vec(),
        ),
        (
            "data:image/svg+xml,%3Csvg%2F%3E",
            "image/svg+xml",
            b"<svg/>".to_vec(),
        ),
        (
            "data:image/svg+xml;charset=UTF-8,<svg width='1'/>",
            "image/svg+xml",
            b"<svg width='1'/>".to_vec(),
        ),
        (
            "data:image/svg+xml,%3csvg%3E%C3%A9é",
            "image/svg+xml",
            "<svg>éé".as_bytes().to_vec(),
        ),
    ];
    for (uri, media_type, content) in cases {
        let value = image(uri);
        assert!(!value.is_url());
        assert_eq!(value.as_str(), uri);
        assert_eq!(value.media_type(), Some(media_type));
        assert_eq!(value.decode(), Some(content), "{uri}");
        assert_eq!(Image::from_data_uri(uri).unwrap(), value);
    }
}

#[test]
fn rejects_bad_data_uris() {
    let cases: [(&str, Expect); 18] = [
        (
            "data:image/gif;base64,R0lGODlh",
            |e| matches!(e, ValueError::UnsupportedMediaType { media_type } if media_type == "image/gif"),
        ),
        ("data:;base64,iVBORw0KGgo=", |e| {
            matches!(e, ValueError::UnsupportedMediaType { .. })
        }),
        ("data:,hello", |e| {
            matches!(e, ValueError::UnsupportedMediaType { .. })
        }),
        ("data:image/png ;base64,iVBORw0KGgo=", |e| {
            matches!(e, ValueError::UnsupportedMediaType { .. })
        }),
        ("data:image/png;base64", |e| {
            matches!(e, ValueError::InvalidDataUri { .. })
        }),
        ("data:image/png;base64;charset=utf-8,iVBORw0KGgo=", |e| {
            matches!(e, ValueError::InvalidDataUri { .. })
        }),
        ("data:image/svg+xml;utf8,<svg/>", |e| {
            matches!(e, ValueError::InvalidDataUri { .. })
        }),
        ("data:image/svg+xml;charset=,<svg/>", |e| {
            matches!(e, ValueError::InvalidDataUri { .. })
        }),
        ("data:image/svg+xml;charset=a;charset=b,<svg/>", |e| {
            matches!(e, ValueError::InvalidDataUri { .. })
        }),
        ("data:image/png;name=a.png;base64,iVBORw0KGgo=", |e| {
            matches!(e, ValueError::InvalidDataUri { .. })
        }),
        ("data:image/png,%89PNG", |e| {
            matches!(e, ValueError::InvalidEncoding { .. })
        }),
        ("data:image/png;base64,iVBORw0KGgo!", |e| {
            matches!(e, ValueError::InvalidEncoding { .. })
        }),
        ("data:image/png;base64,iVBO Rw0KGgo=", |e| {
            matches!(e, ValueError::InvalidEncoding { .. })
        }),
        ("data:image/png;base64,iVBORw0KGg-_", |e| {
            matches!(e, ValueError::InvalidEncoding { .. })
        }),
        ("data:image/png;base64,iVBORw0KGgp=", |e| {
            matches!(e, ValueError::InvalidEncoding { .. })
        }),
        ("data:image/png;base64,iVBORw0KG", |e| {
            matches!(e, ValueError::InvalidEncoding { .. })
        }),
        ("data:image/png;base64,iV==Rw0KGgo=", |e| {
            matches!(e, ValueError::InvalidEncoding { .. })
        }),
        ("data:image/svg+xml,%3Csvg%2", |e| {
            matches!(e, ValueError::InvalidEncoding { .. })
        }),
    ];
    for (input, expected) in cases {
        let err = Image::parse(input).unwrap_err();
        assert!(expected(&err), "{input:?}: {err:?}");
        assert_eq!(Image::from_data_uri(input), Err(err));
    }
    for bad in [
        "data:image/svg+xml,%zzsvg",
        "data:image/svg+xml,%",
        "data:image/svg+xml,%é1",
        "data:image/svg+xml,<svg>\n</svg>",
        "data:image/svg+xml,<svg>\u{7f}</svg>",
        "data:image/png;base64,iVBORw0KGgo===",
        "data:image/png;base64,=iVBORw0KGgo",
    ] {
        assert!(Image::parse(bad).is_err(), "{bad:?}");
    }
    assert!(matches!(
        Image::from_data_uri("https://example.com/a.png"),
        Err(ValueError::InvalidDataUri { .. })
    ));
}

#[test]
fn enforces_the_size_limit_on_decoded_bytes() {
    let exactly = |bytes: usize| {
        format!(
            "data:image/png;base64,{}",
            STANDARD.encode(vec![0u8; bytes])
        )
    };
    assert!(Image::parse(&exactly(MAX_IMAGE_BYTES)).is_ok());
    assert_eq!(
        Image::parse(&exactly(MAX_IMAGE_BYTES + 1)),
        Err(ValueError::TooLarge {
            size: MAX_IMAGE_BYTES + 1,
            max: MAX_IMAGE_BYTES
        })
    );
    let unpadded = exactly(MAX_IMAGE_BYTES + 1)
        .trim_end_matches('=')
        .to_owned();
    assert!(
        matches!(Image::parse(&unpadded), Err(ValueError::TooLarge { size, .. }) if size == MAX_IMAGE_BYTES + 1)
    );

    let svg = |bytes: usize| format!("data:image/svg+xml,%3Csvg%3E{}", "a".repeat(bytes - 5));
    assert!(Image::parse(&svg(MAX_IMAGE_BYTES)).is_ok());
    assert!(matches!(
        Image::parse(&svg(MAX_IMAGE_BYTES + 1)),
        Err(ValueError::TooLarge { .. })
    ));

    let big = [PNG, &vec![0; MAX_IMAGE_BYTES]].concat();
    assert!(matches!(
        Image::from_bytes(&big),
        Err(ValueError::TooLarge { .. })
    ));
    assert!(matches!(
        Image::from_png(&big),
        Err(ValueError::TooLarge { .. })
    ));
    let message = Image::parse(&exactly(MAX_IMAGE_BYTES + 1))
        .unwrap_err()
        .to_string();
    assert_eq!(
        message,
        "image is 10485761 bytes, over the limit of 10485760 bytes (10 MiB)"
    );
}

#[test]
fn error_messages_quote_only_the_start() {
    let huge = format!("data:image/gif;base64,{}", "A".repeat(MAX_IMAGE_BYTES));
    let err = Image::parse(&huge).unwrap_err().to_string();
    assert!(err.contains("image/gif"), "{err}");
    let huge = format!("data:image/png;base64,{}!", "A".repeat(1000));
    let err = Image::parse(&huge).unwrap_err().to_string();
    assert!(err.len() < 300, "{err}");
    assert!(err.contains("character '!' at offset 1000"), "{err}");
    let huge = format!("ftp://{}", "a".repeat(1_000_000));
    assert!(Image::parse(&huge).unwrap_err().to_string().len() < 300);
    let debug = format!(
        "{:?}",
        image(&format!("data:image/jpeg;base64,{}", "A".repeat(1000)))
    );
    assert!(
        debug.starts_with("Image(\"data:image/jpeg;base64,AAAA")
            && debug.ends_with("(1023 bytes))"),
        "{debug}"
    );
    assert_eq!(
        format!("{:?}", image("https://a.example/x.png")),
        r#"Image("https://a.example/x.png")"#
    );
}

#[test]
fn from_bytes_sniffs_the_format() {
    let png = Image::from_bytes(PNG).unwrap();
    assert_eq!(png.media_type(), Some("image/png"));
    assert!(
        png.as_str()
            .starts_with("data:image/png;base64,iVBORw0KGgo")
    );
    assert_eq!(png.decode().as_deref(), Some(PNG));
    assert_eq!(Image::parse(png.as_str()).unwrap(), png);
    assert_eq!(Image::from_png(PNG).unwrap(), png);

    let jpeg = Image::from_bytes(JPEG).unwrap();
    assert_eq!(jpeg.media_type(), Some("image/jpeg"));
    assert_eq!(jpeg.decode().as_deref(), Some(JPEG));
    assert_eq!(Image::from_jpeg(JPEG).unwrap(), jpeg);

    let svg = Image::from_bytes(SVG.as_bytes()).unwrap();
    assert_eq!(svg.media_type(), Some("image/svg+xml"));
    assert_eq!(svg.decode().as_deref(), Some(SVG.as_bytes()));
    assert_eq!(Image::from_svg(SVG).unwrap(), svg);

    for not_an_image in [
        &b""[..],
        b"GIF89a",
        b"\x89PNG",
        b"\xFF\xD8",
        b"<html>",
        b"<svgfoo>",
        b"<?xml version=\"1.0\"?>",
    ] {
        assert!(matches!(
            Image::from_bytes(not_an_image),
            Err(ValueError::UnrecognizedImage { .. })
        ));
    }
    assert!(Image::from_png(JPEG).is_err());
    assert!(Image::from_jpeg(PNG).is_err());
    assert!(Image::from_svg("<html/>").is_err());
    assert_eq!(
        Image::from_png(b"GIF89a").unwrap_err().to_string(),
        "unrecognised image bytes: expected a PNG image (starting with 89 50 4E 47 0D 0A 1A 0A), but the bytes start with 47 49 46 38 39 61"
    );
}

#[test]
fn recognises_svg_preambles() {
    for svg in [
        "<svg/>",
        "<svg>",
        "<SVG>",
        "\u{feff}  \n<svg\n xmlns='http://www.w3.org/2000/svg'/>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg>",
        "<?xml version=\"1.0\"?><!-- made by hand --><!-- twice --><svg/>",
        "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg>",
        "<!doctype svg [ <!ENTITY a \"<b>\"> ]><svg>",
    ] {
        assert_eq!(
            looks_like_svg(svg.as_bytes()),
            !svg.starts_with("<SVG"),
            "{svg:?}"
        );
    }
    for not_svg in [
        "",
        "svg",
        "<svg",
        "<!-- <svg/>",
        "<?xml <svg/>",
        "<html><svg/></html>",
        "<!DOCTYPE svg [ <svg>",
    ] {
        assert!(!looks_like_svg(not_svg.as_bytes()), "{not_svg:?}");
    }
}

#[test]
fn image_and_signature_convert_and_serialize() {
    let uri = "data:image/svg+xml,%3Csvg%2F%3E";
    let signature: Signature = serde_json::from_str(&format!("{uri:?}")).unwrap();
    assert_eq!(
        serde_json::to_string(&signature).unwrap(),
        format!("{uri:?}")
    );
    assert_eq!(signature.to_string(), uri);
    let image = Image::from(signature.clone());
    assert_eq!(image.as_str(), uri);
    assert_eq!(Signature::from(image), signature);
    assert_eq!(Signature::try_from(uri).unwrap(), signature);
    assert_eq!(Signature::try_from(uri.to_owned()).unwrap(), signature);
    assert_eq!(uri.parse::<Signature>().unwrap(), signature);
    assert_eq!(String::from(signature), uri);

    let err = serde_json::from_str::<Image>(r#""http://example.com/a.png""#).unwrap_err();
    assert!(
        err.to_string().contains(r#"unsupported URL scheme "http""#),
        "{err}"
    );
    let err = serde_json::from_str::<Image>("42").unwrap_err();
    assert!(
        err.to_string().contains("an https:// URL or a data: URI"),
        "{err}"
    );
    // An escaped string reaches `visit_string` (serde_json builds an owned String).
    let image: Image = serde_json::from_str(r#""https://example.com/a\u00e9.png""#).unwrap();
    assert_eq!(image.as_str(), "https://example.com/aé.png");
    let image: Image = serde_json::from_str(r#""https:\/\/example.com\/a.png""#).unwrap();
    assert_eq!(image.as_str(), "https://example.com/a.png");
}

#[test]
fn padding_at_a_chunk_boundary_is_still_rejected() {
    assert!(check_base64(b"AA==AAAA", 4).is_err());
    let mut payload = "A".repeat(BASE64_CHUNK - 4);
    payload.push_str("AA==AAAA");
    assert!(check_base64(payload.as_bytes(), BASE64_CHUNK).is_err());
    assert!(Image::parse(&format!("data:image/png;base64,{payload}")).is_err());
    let bad_symbol_in_a_later_chunk = format!("{}!AAA", "A".repeat(BASE64_CHUNK * 2));
    let err = check_base64(bad_symbol_in_a_later_chunk.as_bytes(), BASE64_CHUNK).unwrap_err();
    assert!(
        err.to_string().contains("character '!' at offset 8192"),
        "{err}"
    );
}

/// The reference for `check_base64`: decoding the whole payload at once.
fn whole_decode_accepts(payload: &str) -> bool {
    STANDARD_PAD_INDIFFERENT.decode(payload).is_ok()
}

proptest! {
    #[test]
    fn parsers_never_panic_and_round_trip(s in any::<String>()) {
        for prefixed in [s.clone(), format!("data:image/svg+xml,{s}"), format!("https://{s}"), format!("data:{s}")] {
            if let Ok(value) = Image::parse(&prefixed) {
                prop_assert_eq!(value.as_str(), prefixed.as_str());
                prop_assert_eq!(value.to_string(), prefixed.clone());
                prop_assert_eq!(value.is_url(), value.decode().is_none());
                prop_assert_eq!(Image::validate(&prefixed), Ok(()));
            } else {
                prop_assert!(Image::validate(&prefixed).is_err());
            }
        }
    }

    #[test]
    fn near_data_uris_never_panic(s in r"(?i:data):(image/(png|jpeg|svg\+xml|gif)|é)?(;charset=[a-z0-9é-]{0,6})?(;base64)?(,)?[A-Za-z0-9+/=%é ]{0,40}") {
        if let Ok(value) = Image::parse(&s) {
            prop_assert_eq!(value.as_str(), s.as_str());
            prop_assert!(value.decode().is_some());
        }
    }

    #[test]
    fn chunked_base64_check_matches_a_whole_decode(
        s in r"[A-Za-z0-9+/]{0,40}={0,3}[A-Za-z0-9+/=!]{0,6}",
        chunk in 1usize..=5,
    ) {
        let expected = whole_decode_accepts(&s);
        prop_assert_eq!(check_base64(s.as_bytes(), chunk * 4).is_ok(), expected);
        prop_assert_eq!(check_base64(s.as_bytes(), BASE64_CHUNK).is_ok(), expected);
    }

    #[test]
    fn any_bytes_round_trip_through_a_data_uri(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let png = [PNG_SIGNATURE, &bytes].concat();
        let value = Image::from_bytes(&png).unwrap();
        prop_assert_eq!(value.decode(), Some(png.clone()));
        prop_assert_eq!(Image::parse(value.as_str()), Ok(value.clone()));
        let unpadded = value.as_str().trim_end_matches('=');
        prop_assert_eq!(Image::parse(unpadded).unwrap().decode(), Some(png));
    }

    #[test]
    fn sniffing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(value) = Image::from_bytes(&bytes) {
            prop_assert_eq!(value.decode(), Some(bytes));
        }
    }
}
