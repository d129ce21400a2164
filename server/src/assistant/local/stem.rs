//! A small suffix-stripping stemmer for English, in the spirit of Porter's but far simpler:
//! it only has to give inflections of the same word the same key, consistently for the
//! lexicons and the messages. Stems need not be words (`charge` -> `charg`).

/// A small suffix-stripping stemmer: enough to join `charge`, `charged`, `charges` and
/// `charging`, or `crash`, `crashes` and `crashed`. Words with apostrophes keep their
/// form (only a possessive `'s` is dropped) so negations stay recognisable.
pub(super) fn stem(lower: &str) -> String {
    if let Some(owner) = lower.strip_suffix("'s") {
        return owner.to_owned();
    }
    if lower.contains('\'') || lower.chars().any(|c| !c.is_ascii_alphabetic()) {
        return lower.to_owned();
    }
    let mut word = lower.to_owned();
    strip_plural(&mut word);
    strip_verb_ending(&mut word);
    strip_adverb(&mut word);
    if word.len() >= 5 && word.ends_with('e') {
        word.pop();
    }
    word
}

/// `companies` -> `company`, `fixes` -> `fix`, `logs` -> `log`; keeps `loss`, `status`.
fn strip_plural(word: &mut String) {
    if word.len() > 4 && word.ends_with("ies") {
        word.truncate(word.len() - 3);
        word.push('y');
    } else if ["xes", "shes", "ches", "sses"]
        .iter()
        .any(|ending| word.ends_with(ending))
    {
        word.truncate(word.len() - 2);
    } else if word.len() > 3
        && word.ends_with('s')
        && !(word.ends_with("ss") || word.ends_with("us") || word.ends_with("is"))
    {
        word.pop();
    }
}

/// `replied` -> `reply`, `charged` -> `charg`, `stopping` -> `stop`.
fn strip_verb_ending(word: &mut String) {
    if word.len() > 4 && word.ends_with("ied") {
        word.truncate(word.len() - 3);
        word.push('y');
        return;
    }
    let cut = if word.ends_with("ing") && word.len() >= 6 {
        3
    } else if word.ends_with("ed") && word.len() >= 5 {
        2
    } else {
        return;
    };
    word.truncate(word.len() - cut);
    undouble(word);
}

/// `stopp` -> `stop`, but `bill` and `pass` keep their doubled letter.
fn undouble(word: &mut String) {
    let bytes = word.as_bytes();
    let n = bytes.len();
    if n >= 4 && bytes[n - 1] == bytes[n - 2] && !matches!(bytes[n - 1], b'l' | b's' | b'z') {
        word.pop();
    }
}

/// `urgently` -> `urgent`; short words such as `reply` are left alone.
fn strip_adverb(word: &mut String) {
    if word.len() >= 6 && word.ends_with("ly") {
        word.truncate(word.len() - 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflections_share_a_stem() {
        for group in [
            &["charge", "charged", "charges", "charging"][..],
            &["crash", "crashes", "crashed", "crashing"],
            &["fix", "fixes", "fixed"],
            &["refund", "refunds", "refunded"],
            &["invoice", "invoices"],
            &["urgent", "urgently"],
            &["bill", "billing", "billed"],
            &["reset", "resetting"],
        ] {
            let first = stem(group[0]);
            for word in group {
                assert_eq!(stem(word), first, "{word}");
            }
        }
        assert_eq!(stem("loss"), "loss");
        assert_eq!(stem("status"), "status");
        assert_eq!(stem("reply"), "reply");
    }
}
