//! Text folded for searching: lower case, accents and other combining marks removed, so a
//! query matches whatever case and accents the reader types (the panel's filter and the search
//! of every document fold the same way).

/// `s` in lower case with accents and other combining marks removed, so "Café", "CAFE" and
/// "cafe\u{301}" all read "cafe". Letters with a stroke or a ligature become their plain
/// letters ("ø" → "o", "æ" → "ae", "ß" → "ss").
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// [`fold`], appended to `out`.
pub fn fold_into(s: &str, out: &mut String) {
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        for l in c.to_lowercase() {
            if is_combining_mark(l) {
                continue;
            }
            match base_letter(l) {
                Some(base) => out.push_str(base),
                None => out.push(l),
            }
        }
    }
}

/// Combining diacritical marks (the blocks NFD puts accents in).
fn is_combining_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}')
}

/// The plain letters of a lower-case accented Latin letter (Latin-1, Latin Extended-A and the
/// Vietnamese and other letters of Latin Extended Additional, and Greek with tonos); `None` for
/// any other character.
fn base_letter(c: char) -> Option<&'static str> {
    // Latin-1 Supplement and Latin Extended-A, lower case, from U+00DF: the base of each.
    const LATIN: [&str; 161] = [
        "ss", "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",
        "i", // df..ef
        "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u", "u", "y", "th",
        "y", // f0..ff
        "a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d",
        "d", // 100..10f
        "d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g",
        "g", // 110..11f
        "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i",
        "i", // 120..12f
        "i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l",
        "l", // 130..13f
        "l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o",
        "o", // 140..14f
        "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s",
        "s", // 150..15f
        "s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u",
        "u", // 160..16f
        "u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z",
        "s", // 170..17f
    ];
    let n = c as u32;
    match n {
        0xDF..=0x17F => {
            let base = LATIN[(n - 0xDF) as usize];
            // U+00F7 (÷) is not a letter: it stays itself.
            (!base.is_empty()).then_some(base)
        }
        // Latin Extended Additional: mostly letters with one or two accents, in pairs (capital,
        // small); lower case is what reaches here. Decomposed by hand would need tables, so the
        // base letter is looked up by range.
        0x1E00..=0x1EFF => extended_additional(n),
        // Greek with tonos or dialytika.
        0x3AC => Some("α"),
        0x3AD => Some("ε"),
        0x3AE => Some("η"),
        0x3AF | 0x390 | 0x3CA => Some("ι"),
        0x3CC => Some("ο"),
        0x3CD | 0x3B0 | 0x3CB => Some("υ"),
        0x3CE => Some("ω"),
        _ => None,
    }
}

fn extended_additional(n: u32) -> Option<&'static str> {
    let base = match n {
        0x1E00..=0x1E01 | 0x1EA0..=0x1EB7 => "a",
        0x1E02..=0x1E07 => "b",
        0x1E08..=0x1E09 => "c",
        0x1E0A..=0x1E13 => "d",
        0x1E14..=0x1E1D | 0x1EB8..=0x1EC7 => "e",
        0x1E1E..=0x1E1F => "f",
        0x1E20..=0x1E21 => "g",
        0x1E22..=0x1E2B | 0x1E96 => "h",
        0x1E2C..=0x1E2F | 0x1EC8..=0x1ECB => "i",
        0x1E30..=0x1E35 => "k",
        0x1E36..=0x1E3D => "l",
        0x1E3E..=0x1E43 => "m",
        0x1E44..=0x1E4B => "n",
        0x1E4C..=0x1E53 | 0x1ECC..=0x1EE3 => "o",
        0x1E54..=0x1E57 => "p",
        0x1E58..=0x1E5F => "r",
        0x1E60..=0x1E69 | 0x1E9B => "s",
        0x1E6A..=0x1E71 | 0x1E97 => "t",
        0x1E72..=0x1E7B | 0x1EE4..=0x1EF1 => "u",
        0x1E7C..=0x1E7F => "v",
        0x1E80..=0x1E89 | 0x1E98 => "w",
        0x1E8A..=0x1E8D => "x",
        0x1E8E..=0x1E8F | 0x1E99 | 0x1EF2..=0x1EF9 => "y",
        0x1E90..=0x1E95 => "z",
        _ => return None,
    };
    Some(base)
}

/// The words of a query, folded; control characters (never in a word of the index) dropped.
pub fn query_words(query: &str) -> Vec<String> {
    fold(query)
        .split_whitespace()
        .map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Does the text `hay` (already folded) contain every word of `words`?
pub fn contains_all(hay: &str, words: &[String]) -> bool {
    words.iter().all(|w| hay.contains(w.as_str()))
}
