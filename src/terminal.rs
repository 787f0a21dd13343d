//! Making text safe for a terminal: the one place that decides which characters a person's
//! terminal may receive from text this tool did not write.
//!
//! Job names, metadata, execution outputs, error bodies and file contents come from Dkron, Restate,
//! a hostile proxy or a file. Printed raw, a control character can clear the screen, retitle the
//! window, plant an OSC 8 link or move the cursor over earlier lines, and a bidirectional override
//! (U+202E…) can make `evil` read as `live`. [`safe`] escapes every such character visibly, as
//! `\n`, `\t`, `\r` or `\u{1b}`, so the reader sees that something was there and what it was.
//! Human output applies it to every server- or file-supplied text before it reaches a table or a
//! sentence, and the printer applies [`safe_output`] to the whole human text once more on the way
//! out. JSON output never goes through here: it keeps the exact values (JSON escapes control
//! characters itself). This module does not decide colour; it only keeps the printer's own SGR
//! colour sequences when colour is on.

use std::borrow::Cow;
use std::fmt::Write;

/// The text with every control, bidirectional-formatting and line-separator character escaped
/// (`\n`, `\r`, `\t`, `\u{…}`); unchanged text is borrowed.
pub fn safe(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// Like [`safe`], but line breaks stay: for a block of lines a server supplied (an execution's
/// output) that is shown as lines.
pub fn safe_lines(text: &str) -> Cow<'_, str> {
    safe_output(text, false)
}

/// The printer's last pass over a whole human text: like [`safe`], but line breaks stay (the
/// text is made of lines), and with `keep_colour` the SGR sequences the printer's own styles
/// write (`ESC [ digits;… m`) stay too. Everything else unsafe is escaped.
pub fn safe_output(text: &str, keep_colour: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if keep_colour && c == '\x1b' {
            let sgr = sgr_length(rest);
            if sgr > 0 {
                out.push_str(&rest[..sgr]);
                rest = &rest[sgr..];
                continue;
            }
        }
        if c == '\n' {
            out.push('\n');
        } else {
            push_escaped(&mut out, c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// True for what a terminal interprets rather than shows: C0 and C1 controls and DEL, the
/// bidirectional marks, embeddings, overrides and isolates, and the Unicode line and paragraph
/// separators (some terminals break lines on them).
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if is_unsafe(c) => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// The length of an SGR sequence (`ESC [`, digits and `;`, `m`) at the start of `text`, or 0.
fn sgr_length(text: &str) -> usize {
    let Some(rest) = text.strip_prefix("\x1b[") else {
        return 0;
    };
    let parameters = rest
        .bytes()
        .take_while(|byte| byte.is_ascii_digit() || *byte == b';')
        .count();
    if rest.as_bytes().get(parameters) == Some(&b'm') {
        2 + parameters + 1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(safe("restate-health-check ß ✓"), Cow::Borrowed(_)));
        assert!(matches!(safe_output("a\nb\n", false), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_screen_title_link_and_bidi_tricks_visibly() {
        assert_eq!(safe("\x1b[2Jcleared"), "\\u{1b}[2Jcleared");
        assert_eq!(safe("\x1b]0;title\x07"), "\\u{1b}]0;title\\u{7}");
        assert_eq!(
            safe("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"),
            "\\u{1b}]8;;http://x\\u{1b}\\link\\u{1b}]8;;\\u{1b}\\"
        );
        assert_eq!(safe("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(safe("a\u{2066}b\u{2069}"), "a\\u{2066}b\\u{2069}");
        assert_eq!(
            safe("line\nbreak\r\tx\0\u{7f}\u{85}"),
            "line\\nbreak\\r\\tx\\u{0}\\u{7f}\\u{85}"
        );
        assert_eq!(safe("a\u{2028}b"), "a\\u{2028}b");
    }

    #[test]
    fn the_output_pass_keeps_lines_and_only_the_printer_s_own_colour() {
        assert_eq!(safe_output("a\nb\x1b[2J\n", false), "a\nb\\u{1b}[2J\n");
        assert_eq!(
            safe_output("\x1b[32mok\x1b[39m \x1b]0;t\x07", true),
            "\x1b[32mok\x1b[39m \\u{1b}]0;t\\u{7}"
        );
        // Colour off: even an SGR sequence is shown, not obeyed.
        assert_eq!(safe_output("\x1b[32mok", false), "\\u{1b}[32mok");
        // Not SGR: cursor movement, erase.
        assert_eq!(safe_output("\x1b[2A\x1b[K", true), "\\u{1b}[2A\\u{1b}[K");
    }
}
