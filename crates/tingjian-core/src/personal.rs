//! Personal information (个人信息保护法): which complaint fields hold it, and how they are masked
//! wherever the full value is not needed (lists, reports, exports).

/// The complaint fields that hold personal information, by their JSON names.
pub const PERSONAL_FIELDS: &[&str] = &["customer_name", "phone"];

/// A name with all but its first character hidden: `张三丰` → `张**`.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
        None => String::new(),
    }
}

/// How many of a number's `n` digits stay shown at its start and at its end when it is masked as
/// a phone number: at least four digits are always hidden (all of them for four or fewer), and
/// long numbers show three at the start and four at the end (`138****1234`, `057*****1234`).
fn phone_shown(n: usize) -> (usize, usize) {
    let hidden = 4.max(n.saturating_sub(7)).min(n);
    let shown = n - hidden;
    let end = shown.div_ceil(2).min(4);
    (shown - end, end)
}

/// Hides the digits of `text` whose position among its digits is in `start..digits - end`;
/// every other character (separators, an ID card's final X) stays where it is.
fn mask_digits(text: &str, keep_start: usize, keep_end: usize) -> String {
    let digits = text.chars().filter(|c| c.is_ascii_digit() || matches!(c, 'X' | 'x')).count();
    let mut index = 0;
    text.chars()
        .map(|c| {
            if c.is_ascii_digit() || matches!(c, 'X' | 'x') {
                let hide = index >= keep_start && index < digits.saturating_sub(keep_end);
                index += 1;
                if hide { '*' } else { c }
            } else {
                c
            }
        })
        .collect()
}

/// A phone number with its middle hidden, by digit count so that any form hides at least four
/// digits: `13800001234` → `138****1234`, `0571-88881234` → `057*-****1234`, `88881234` →
/// `88****34`. Separators stay where they are.
pub fn mask_phone(phone: &str) -> String {
    let phone = phone.trim();
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if digits == 0 {
        return "*".repeat(phone.chars().count());
    }
    let (start, end) = phone_shown(digits);
    mask_digits(phone, start, end)
}

/// What kind of identifying number a run of digits in free text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifierKind {
    /// An 18-character resident ID card number whose check character is right.
    IdCard,
    /// A mobile number (11 digits from 13–19), optionally after +86.
    Mobile,
    /// A landline with its area code (0 and 2–3 digits, then 7–8 digits).
    Landline,
    /// A bank card number (13–19 digits) whose Luhn check digit is right.
    BankCard,
}

/// Whether the 18 characters (17 digits and a digit or X) are a resident ID card number: the
/// GB 11643 check character is right.
fn is_id_card(digits: &[u8]) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    if digits.len() != 18 || !digits[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = digits[..17].iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
    CHECK[(sum % 11) as usize] == digits[17].to_ascii_uppercase()
}

/// Whether the digits pass the Luhn check (bank cards).
fn passes_luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d - b'0');
            if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// What the run of digits `digits` (its separators removed; `groups` is how many groups the
/// separators made) identifies, if anything. Dates, amounts and complaint numbers match none.
pub fn identifier_kind(digits: &str, groups: usize) -> Option<IdentifierKind> {
    let bytes = digits.as_bytes();
    let n = bytes.len();
    if n == 18 && groups == 1 && is_id_card(bytes) {
        return Some(IdentifierKind::IdCard);
    }
    if !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mobile = |d: &[u8]| d.len() == 11 && d[0] == b'1' && (b'3'..=b'9').contains(&d[1]);
    if mobile(bytes) || (n == 13 && bytes.starts_with(b"86") && mobile(&bytes[2..])) {
        return Some(IdentifierKind::Mobile);
    }
    if bytes[0] == b'0' && (10..=12).contains(&n) && bytes.get(1) != Some(&b'0') {
        return Some(IdentifierKind::Landline);
    }
    if (13..=19).contains(&n) && passes_luhn(bytes) {
        return Some(IdentifierKind::BankCard);
    }
    None
}

/// `text` with every phone, resident ID card and bank card number in it masked, for summaries and
/// notes shown in lists, exports and reports. A number is a run of digits that may be split by
/// single spaces or hyphens (`6222 0212 3456 7890`, `138-0000-1234`), not touching letters or
/// other digits (so `TS2026100101` and dates stay whole). ID cards keep their first three and
/// last four characters, bank cards their first six and last four, phones as [`mask_phone`].
pub fn mask_identifiers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_run =
            chars[i].is_ascii_digit() || (chars[i] == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit));
        let after_word = i > 0 && (chars[i - 1].is_ascii_alphanumeric() || chars[i - 1] == '+');
        if !starts_run || after_word {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The run: digits, single separators between digits, and an ID card's final X.
        let start = i;
        let mut end = if chars[i] == '+' { i + 1 } else { i };
        let mut groups = 1;
        while end < chars.len() {
            let c = chars[end];
            if c.is_ascii_digit() {
                end += 1;
            } else if matches!(c, ' ' | '-') && chars.get(end + 1).is_some_and(char::is_ascii_digit) && end > start {
                groups += 1;
                end += 1;
            } else {
                break;
            }
        }
        if end < chars.len() && matches!(chars[end], 'X' | 'x') {
            end += 1;
        }
        let run: String = chars[start..end].iter().collect();
        let touches_word = chars.get(end).is_some_and(char::is_ascii_alphanumeric);
        let digits: String = run.chars().filter(|c| c.is_ascii_digit() || matches!(c, 'X' | 'x')).collect();
        let kind = if touches_word { None } else { identifier_kind(&digits, groups) };
        match kind {
            Some(IdentifierKind::IdCard) => out.push_str(&mask_digits(&run, 3, 4)),
            Some(IdentifierKind::BankCard) => out.push_str(&mask_digits(&run, 6, 4)),
            Some(IdentifierKind::Mobile | IdentifierKind::Landline) => out.push_str(&mask_phone(&run)),
            None => out.push_str(&run),
        }
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_the_surname_only() {
        assert_eq!(mask_name("张三丰"), "张**");
        assert_eq!(mask_name("李四"), "李*");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn every_phone_form_hides_at_least_four_digits() {
        for (phone, masked) in [
            ("13800001234", "138****1234"),
            ("138-0000-1234", "138-****-1234"),
            ("+86 138 0000 1234", "+86 1** **** 1234"),
            ("057188881234", "057*****1234"),
            ("0571-88881234", "057*-****1234"),
            ("010-6666 8888", "010-**** 8888"),
            ("88881234", "88****34"),
            ("6668888", "6****88"),
            ("95588", "****8"),
            ("1234", "****"),
            ("", ""),
        ] {
            assert_eq!(mask_phone(phone), masked, "{phone}");
            let hidden = masked.chars().filter(|&c| c == '*').count();
            assert!(hidden >= 4.min(phone.chars().filter(char::is_ascii_digit).count()), "{phone} → {masked}");
        }
    }

    #[test]
    fn identifying_numbers_in_free_text_are_masked_and_nothing_else_is() {
        for (text, masked) in [
            ("客户电话13800001234，要求回电", "客户电话138****1234，要求回电"),
            ("留了座机0571-88881234。", "留了座机057*-****1234。"),
            ("手机 +86 138 0000 1234 已核实", "手机 +86 1** **** 1234 已核实"),
            // A valid resident ID card number (check character X) and one whose check is wrong.
            ("身份证11010519491231002X办理", "身份证110***********002X办理"),
            ("号码110105194912310021不对", "号码110105194912310021不对"),
            // A card passing the Luhn check, written in groups, and the same with one digit changed.
            ("卡号6222 0212 3456 7894被扣费", "卡号6222 02** **** 7894被扣费"),
            ("卡号6222021234567898", "卡号6222021234567898"),
            // Complaint numbers, dates, times and amounts stay whole.
            (
                "投诉TS2026100101于2026-10-01 10:29受理，金额12000元",
                "投诉TS2026100101于2026-10-01 10:29受理，金额12000元",
            ),
            ("", ""),
        ] {
            assert_eq!(mask_identifiers(text), masked, "{text}");
        }
    }

    #[test]
    fn kinds_are_told_apart() {
        assert_eq!(identifier_kind("11010519491231002X", 1), Some(IdentifierKind::IdCard));
        assert_eq!(identifier_kind("13800001234", 1), Some(IdentifierKind::Mobile));
        assert_eq!(identifier_kind("8613800001234", 1), Some(IdentifierKind::Mobile));
        assert_eq!(identifier_kind("057188881234", 2), Some(IdentifierKind::Landline));
        assert_eq!(identifier_kind("6222021234567894", 4), Some(IdentifierKind::BankCard));
        assert_eq!(identifier_kind("20261001", 3), None);
        assert_eq!(identifier_kind("12000", 1), None);
    }
}
