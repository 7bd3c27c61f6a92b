//! Percent-encoding for the few places ids go into URIs and fragments, through the
//! `percent-encoding` crate: one encoder and decoder, with the sets each caller needs.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986's unreserved characters is encoded.
pub const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// As [`UNRESERVED`], but `:` is left as it is (fragments such as `#doc=urn:…` stay readable).
pub const FRAGMENT_VALUE: &AsciiSet = &UNRESERVED.remove(b':');

/// `s` percent-encoded (uppercase hex), keeping only the characters outside `set`.
pub fn encode(s: &str, set: &'static AsciiSet) -> String {
    utf8_percent_encode(s, set).to_string()
}

/// Decodes `s`, or `None` when a `%` is not followed by two hex digits or the bytes are not
/// UTF-8: for ids read back from files, where a damaged one must not pass for another.
pub fn try_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let well_formed = b.iter().enumerate().all(|(i, &c)| {
        c != b'%'
            || (b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    });
    if !well_formed {
        return None;
    }
    percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// Decodes `s` leniently, as browsers read addresses: a `%` without two hex digits stays as it
/// is, and bytes that are not UTF-8 become U+FFFD.
pub fn decode_lossy(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn sets_keep_what_they_say() {
        assert_eq!(encode("a b/é:~", UNRESERVED), "a%20b%2F%C3%A9%3A~");
        assert_eq!(encode("urn:x y", FRAGMENT_VALUE), "urn:x%20y");
    }

    #[test]
    fn strict_and_lossy_decoding() {
        assert_eq!(try_decode("a%20b%C3%A9").as_deref(), Some("a bé"));
        assert_eq!(try_decode("50%"), None);
        assert_eq!(try_decode("%zz"), None);
        assert_eq!(try_decode("%FF"), None);
        assert_eq!(decode_lossy("50%"), "50%");
        assert_eq!(decode_lossy("%zz%41"), "%zzA");
        assert_eq!(decode_lossy("%FF"), "\u{FFFD}");
    }

    proptest! {
        #[test]
        fn encoding_round_trips(s in ".{0,40}") {
            for set in [UNRESERVED, FRAGMENT_VALUE] {
                let e = encode(&s, set);
                prop_assert_eq!(try_decode(&e), Some(s.clone()));
                prop_assert_eq!(decode_lossy(&e), s.clone());
            }
        }
    }
}
