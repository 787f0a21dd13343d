//! What a Dkron job name may be, checked before anything is sent.
//!
//! Dkron accepts `^[\p{Ll}0-9_-]+$` (Unicode lower-case letters, digits, `_`, `-`) of any length,
//! but every command then has to put the name into a URL path (`/v1/jobs/{name}/executions…`),
//! and the HTTP library refuses a URI longer than 65 534 bytes — a longer name used to fail as
//! "cannot reach Dkron" while Dkron was up. So a name is also limited to [`MAX_ENCODED_BYTES`]
//! once percent-encoded, which leaves room for any base URL and query. `.` and `..` are not names
//! (URL normalisation would drop them from the path); Dkron's rule already excludes them. The
//! narrower ASCII rule of `tier1.toml` is the manifest's business (`crate::schedule_file::check_name`),
//! built on this one.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

/// The longest name, in bytes once percent-encoded for a URL path segment.
pub const MAX_ENCODED_BYTES: usize = 16 * 1024;

/// What `url` encodes in a path segment (the WHATWG path set plus `/` and `%`).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

/// Checks a job name against Dkron's rule and the URL length; the message says what is wrong.
pub fn check_job_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty".to_string());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-'))
    {
        return Err(format!(
            "`{}` contains {}; Dkron job names allow only lower-case letters, digits, `_` and `-`",
            shorten(name),
            describe(bad)
        ));
    }
    check_length(name)
}

/// Checks only the length limit (the manifest applies its own, narrower, character rule).
pub fn check_length(name: &str) -> Result<(), String> {
    let encoded = utf8_percent_encode(name, SEGMENT)
        .map(str::len)
        .sum::<usize>();
    if encoded > MAX_ENCODED_BYTES {
        return Err(format!(
            "the name is {} characters ({encoded} bytes in a URL), over the limit of {MAX_ENCODED_BYTES} bytes: \
             every request about the job carries its name in the URL",
            name.chars().count()
        ));
    }
    Ok(())
}

/// The value parser of every NAME argument: a name Dkron cannot hold is a usage error, before
/// any request.
pub fn job_name_arg(text: &str) -> Result<String, String> {
    check_job_name(text).map(|()| text.to_string())
}

/// A URL flag's text must name its scheme: `127.0.0.1:8080` is not a URL (and `localhost:8080`
/// parses as one with the scheme `localhost`), so say what to add instead of the parser's words.
pub fn require_scheme(text: &str) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("the URL is empty".to_string());
    }
    if !text.contains("://") {
        return Err(format!(
            "`{text}` has no scheme: add http:// (http://{text}) or https://"
        ));
    }
    Ok(())
}

/// A character as a message shows it: printable ones quoted, the rest by code point.
fn describe(c: char) -> String {
    if c.is_control() || crate::terminal::safe(&c.to_string()) != c.to_string() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("`{c}`")
    }
}

/// A long name cut for a message (the full name is the user's own input).
fn shorten(name: &str) -> String {
    const MAX: usize = 64;
    if name.chars().count() > MAX {
        format!("{}…", name.chars().take(MAX).collect::<String>())
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dkron_s_rule_with_unicode_lower_case() {
        assert!(check_job_name("restate-health_check-2").is_ok());
        assert!(check_job_name("straße").is_ok());
        for bad in [".", "..", "a/b", "A", "a b", "", "a.b", "x\u{202e}"] {
            assert!(check_job_name(bad).is_err(), "{bad:?}");
        }
        assert!(
            check_job_name("..").unwrap_err().contains("`.`"),
            "{:?}",
            check_job_name("..")
        );
        assert!(check_job_name("a\u{1b}").unwrap_err().contains("U+001B"));
    }

    #[test]
    fn the_length_is_measured_in_the_url() {
        assert!(check_job_name(&"a".repeat(MAX_ENCODED_BYTES)).is_ok());
        let error = check_job_name(&"a".repeat(MAX_ENCODED_BYTES + 1)).unwrap_err();
        assert!(error.contains("16385 characters"), "{error}");
        // `ß` is 6 bytes percent-encoded.
        let error = check_job_name(&"ß".repeat(MAX_ENCODED_BYTES / 6 + 1)).unwrap_err();
        assert!(error.contains("bytes in a URL"), "{error}");
    }
}
