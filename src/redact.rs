//! The one redaction path: values that came from the environment (`${env:NAME}` in a manifest or
//! a `--header`, or a live header whose job records that it did) never leave the process.
//!
//! Redaction is driven by where a value came from, not by what its header is called: every value
//! substituted for an `${env:…}` reference is [`register`]ed when it is read, and the printer
//! passes every output — human text, warnings, errors and the JSON envelope — through [`scrub`]
//! before writing it. The places that show headers on purpose (a plan's diff, `export`) already
//! print the reference instead (`<redacted ${env:NAME}>`, `${env:NAME}`); this is the net under
//! them, so a value that reaches any other text (an error body quoting a request, say) is still
//! masked. Values shorter than [`MIN_LEN`] are not scrubbed from free text, where they would
//! match everywhere; the places that print headers never show them.

use std::borrow::Cow;
use std::sync::Mutex;

/// What a scrubbed secret is replaced with.
pub const MASK: &str = "<redacted>";
/// Shorter values are masked where headers are shown, but not searched for in free text.
pub const MIN_LEN: usize = 4;

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Records a value that came from the environment.
pub fn register(value: &str) {
    let value = value.trim();
    if value.len() < MIN_LEN {
        return;
    }
    let mut secrets = SECRETS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !secrets.iter().any(|known| known == value) {
        secrets.push(value.to_string());
        // Longest first, so a secret that contains another is masked whole.
        secrets.sort_by_key(|known| std::cmp::Reverse(known.len()));
    }
}

/// The text with every registered value masked.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let secrets = SECRETS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    mask(text, &secrets)
}

fn mask<'t>(text: &'t str, secrets: &[String]) -> Cow<'t, str> {
    if !secrets.iter().any(|secret| text.contains(secret.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for secret in secrets {
        out = out.replace(secret.as_str(), MASK);
    }
    Cow::Owned(out)
}

/// Masks registered values in every string (keys included) of a JSON document, which stays
/// valid JSON. Nothing is copied when nothing matches (a `list` of 100 000 jobs walks once).
pub fn scrub_json(value: &mut serde_json::Value) {
    let secrets = SECRETS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !secrets.is_empty() {
        walk(value, &secrets);
    }
}

fn walk(value: &mut serde_json::Value, secrets: &[String]) {
    match value {
        serde_json::Value::String(text) => {
            if let Cow::Owned(masked) = mask(text, secrets) {
                *text = masked;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|item| walk(item, secrets)),
        serde_json::Value::Object(map) => {
            // Keys are rebuilt only when one holds a secret (a map key cannot be changed in place).
            if map
                .keys()
                .any(|key| matches!(mask(key, secrets), Cow::Owned(_)))
            {
                let entries = std::mem::take(map);
                for (key, item) in entries {
                    map.insert(mask(&key, secrets).into_owned(), item);
                }
            }
            map.values_mut().for_each(|item| walk(item, secrets));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_values_are_masked_in_text_and_json() {
        register("s3cr3t-value-for-the-redact-test");
        register("ab");
        assert_eq!(
            scrub("x-custom: s3cr3t-value-for-the-redact-test; ab"),
            "x-custom: <redacted>; ab"
        );
        let mut json =
            serde_json::json!({"a": ["Bearer s3cr3t-value-for-the-redact-test", 1, true]});
        scrub_json(&mut json);
        assert_eq!(
            json,
            serde_json::json!({"a": ["Bearer <redacted>", 1, true]})
        );
        assert!(matches!(scrub("nothing here"), Cow::Borrowed(_)));
    }
}
