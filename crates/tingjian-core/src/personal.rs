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

/// A phone number with its middle hidden: `13800001234` → `138****1234`. Short numbers keep only
/// their last two digits, so nothing short enough to guess is shown whole.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.trim().chars().collect();
    match digits.len() {
        0 => String::new(),
        n if n >= 7 => {
            let keep_start = 3;
            let keep_end = 4;
            digits[..keep_start]
                .iter()
                .chain(std::iter::repeat_n(&'*', n - keep_start - keep_end))
                .chain(&digits[n - keep_end..])
                .collect()
        }
        n => {
            std::iter::repeat_n('*', n.saturating_sub(2)).chain(digits[n.saturating_sub(2)..].iter().copied()).collect()
        }
    }
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
    fn phones_keep_prefix_and_last_four() {
        assert_eq!(mask_phone("13800001234"), "138****1234");
        assert_eq!(mask_phone("0571-8888"), "057**8888");
        assert_eq!(mask_phone("95588"), "***88");
        assert_eq!(mask_phone(""), "");
    }
}
