use std::path::Path;

use super::*;

fn parse_with(
    source: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Manifest, ManifestError> {
    parse(source, Path::new("tier1.toml"), &Overrides::default(), env)
}

fn findings(source: &str) -> Vec<Finding> {
    parse_with(source, &|_| None)
        .expect_err("should be invalid")
        .findings
}

const GOOD: &str = r#"
[defaults]
set = "tier1"
restate_url = "http://restate:8080"
retries = 3

[[jobs]]
name = "a"
schedule = "7 * * * *"
service = "dagOrchestrator"
handler = "run"

[[jobs]]
name = "b"
schedule = "0 0 6 * * *"
timezone = "America/Los_Angeles"
service = "dagOrchestrator"
handler = "run"
retries = 0
enabled = false
"#;

#[test]
fn defaults_apply_and_jobs_override_them() {
    let manifest = parse_with(GOOD, &|_| None).unwrap();
    assert_eq!(manifest.set, "tier1");
    let [a, b] = &manifest.jobs[..] else { panic!() };
    assert_eq!((a.retries, b.retries), (3, 0));
    assert_eq!(a.timezone, Tz::UTC);
    assert_eq!(b.timezone.name(), "America/Los_Angeles");
    assert!(a.enabled && !b.enabled);
    assert_eq!(a.timeout_seconds, 30);
    assert_eq!(a.display_name, "a");
}

#[test]
fn the_command_line_ingress_url_wins() {
    let overrides = Overrides {
        restate_url: Some(Url::parse("http://127.0.0.1:9").unwrap()),
    };
    let manifest = parse(GOOD, Path::new("t.toml"), &overrides, &|_| None).unwrap();
    assert!(
        manifest
            .jobs
            .iter()
            .all(|job| job.restate_url.as_str() == "http://127.0.0.1:9/")
    );
}

#[test]
fn unknown_keys_name_line_job_and_field() {
    let source = GOOD.replace("retries = 0", "retries = 0\nschedul = \"x\"");
    let found = findings(&source);
    assert_eq!(found.len(), 1);
    let finding = &found[0];
    assert_eq!(finding.line, Some(20));
    assert_eq!(finding.job.as_deref(), Some("b"));
    assert_eq!(finding.field.as_deref(), Some("schedul"));
    assert_eq!(
        finding.message,
        "unknown key `schedul`; did you mean `schedule`?"
    );
    assert!(
        finding
            .to_string()
            .starts_with("tier1.toml:20: job `b`, field `schedul`")
    );
}

#[test]
fn type_errors_name_the_field() {
    let source = GOOD.replace("retries = 0", "retries = \"three\"");
    let finding = &findings(&source)[0];
    assert_eq!(finding.job.as_deref(), Some("b"));
    assert_eq!(finding.field.as_deref(), Some("retries"));
    assert_eq!(finding.line, Some(19));
}

#[test]
fn every_semantic_problem_is_reported_at_once() {
    let source = r#"
[defaults]
restate_url = "ftp://x"

[[jobs]]
name = "Bad.Name"
schedule = "* * * *"
timezone = "Mars/Olympus"
service = "dagOrchestrator"
handler = "run"
headers = { "x-token" = "a:b", "x-secret" = "${env:MISSING}" }

[[jobs]]
name = "ok"
schedule = "@daily"
service = "svc"
handler = "run"
body = { a = 1 }
body_file = "x.json"
"#;
    let found = findings(source);
    let described: Vec<String> = found.iter().map(ToString::to_string).collect();
    let expect = [
        "tier1.toml:3: [defaults], field `restate_url`: `ftp://x` must be an http:// or https:// URL",
        "tier1.toml:6: job `Bad.Name`, field `name`",
        "tier1.toml:7: job `Bad.Name`, field `schedule`",
        "tier1.toml:8: job `Bad.Name`, field `timezone`: unknown time zone `Mars/Olympus`",
        "tier1.toml:11: job `Bad.Name`, field `headers.x-secret`: environment variable `MISSING` is not set",
        "tier1.toml:11: job `Bad.Name`, field `headers.x-token`: `a:b` contains `:`",
        "tier1.toml:19: job `ok`, field `body_file`: set `body` or `body_file`, not both",
    ];
    for prefix in expect {
        assert!(
            described.iter().any(|line| line.starts_with(prefix)),
            "missing {prefix:?} in {described:#?}"
        );
    }
}

#[test]
fn secret_values_never_reach_error_messages() {
    let source = GOOD.replace(
        "retries = 3",
        "retries = 3\nheaders = { authorization = \"${env:TOKEN}\" }",
    );
    let env = |name: &str| (name == "TOKEN").then(|| "Bearer:leak".to_string());
    let error = parse_with(&source, &env).unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("the value from the environment contains `:`"),
        "{text}"
    );
    assert!(!text.contains("leak"), "{text}");
}

#[test]
fn target_segments_that_would_vanish_from_the_url_are_rejected() {
    for (service, handler, key, field) in [
        ("..", "run", "", "service"),
        ("svc", ".", "", "handler"),
        ("svc", "run", "key = \"\"", "key"),
        ("svc", "run", "key = \"..\"", "key"),
        ("a/b", "run", "", "service"),
    ] {
        let source = format!(
            "[defaults]\nrestate_url = \"http://r\"\n[[jobs]]\nname = \"j\"\nschedule = \"@hourly\"\nservice = \"{service}\"\nhandler = \"{handler}\"\n{key}\n"
        );
        let found = findings(&source);
        assert!(
            found
                .iter()
                .any(|finding| finding.field.as_deref() == Some(field)),
            "{field}: {found:?}"
        );
    }
}

#[test]
fn duplicate_names_are_rejected() {
    let source = GOOD.replace("name = \"b\"", "name = \"a\"");
    let finding = &findings(&source)[0];
    assert_eq!(finding.field.as_deref(), Some("name"));
    assert!(finding.message.contains("duplicate"), "{}", finding.message);
}

#[test]
fn syntax_errors_have_a_line() {
    let finding = &findings("[[jobs]]\nname = \n")[0];
    assert_eq!(finding.line, Some(2));
}

#[test]
fn the_shipped_manifest_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tier1.toml");
    let manifest = load(&path, &Overrides::default()).unwrap();
    assert_eq!(manifest.jobs.len(), 5);
    assert!(manifest.job("restate-health-check").is_some());
}

#[test]
fn lines_of_offsets_come_from_one_index() {
    let lines = super::Lines::new("a\nbb\n\nccc");
    assert_eq!(
        [0, 1, 2, 3, 4, 5, 6, 9].map(|offset| lines.line(offset)),
        [1, 1, 2, 2, 2, 3, 4, 4]
    );
}

#[test]
fn an_unknown_key_hides_no_other_finding() {
    let source = GOOD
        .replace("retries = 3", "retries = 3\nretires = 1")
        .replace("retries = 0", "retries = 0\nzone = \"UTC\"")
        .replace(
            "timezone = \"America/Los_Angeles\"",
            "timezone = \"Mars/Olympus\"",
        )
        .replace(
            "name = \"a\"",
            "name = \"a\"\nbody = { x = 1 }\nbody_file = \"b.json\"",
        )
        + "\n[extra]\nx = 1\n";
    let described: Vec<String> = findings(&source).iter().map(ToString::to_string).collect();
    for expected in [
        "tier1.toml:6: [defaults], field `retires`: unknown key `retires`; did you mean `retries`?",
        "tier1.toml:11: job `a`, field `body_file`: set `body` or `body_file`, not both",
        "tier1.toml:19: job `b`, field `timezone`: unknown time zone `Mars/Olympus`",
        "tier1.toml:23: job `b`, field `zone`: unknown key `zone`; expected one of `name`,",
        "tier1.toml:26: `extra` at the top level: unknown key `extra`; expected one of `defaults`, `jobs`",
    ] {
        assert!(
            described.iter().any(|line| line.starts_with(expected)),
            "missing {expected:?} in {described:#?}"
        );
    }
}

#[test]
fn a_type_error_in_one_job_hides_nothing_of_the_others() {
    let source = GOOD
        .replace("retries = 0", "retries = \"three\"")
        .replace("name = \"a\"", "name = \"a\"\ntimezone = \"Nowhere/Land\"");
    let found = findings(&source);
    let jobs: Vec<(Option<&str>, Option<&str>)> = found
        .iter()
        .map(|finding| (finding.job.as_deref(), finding.field.as_deref()))
        .collect();
    assert!(jobs.contains(&(Some("a"), Some("timezone"))), "{found:#?}");
    assert!(jobs.contains(&(Some("b"), Some("retries"))), "{found:#?}");
}

#[test]
fn a_duplicate_keeps_its_other_findings() {
    let source = GOOD
        .replace("name = \"b\"", "name = \"a\"")
        .replace("America/Los_Angeles", "Mars/Olympus");
    let found = findings(&source);
    assert!(
        found.iter().any(|f| f.message.contains("duplicate")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|f| f.field.as_deref() == Some("timezone")),
        "{found:#?}"
    );
}

#[test]
fn every_finding_has_a_line_even_for_bytes_that_are_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tier1.toml");
    let mut bytes = GOOD.as_bytes().to_vec();
    let at = GOOD.find("handler = \"run\"\n\n[[jobs]]").unwrap() + 11;
    bytes.splice(at..at, [0xff, 0xfe]);
    std::fs::write(&path, &bytes).unwrap();
    let error = load(&path, &Overrides::default()).unwrap_err();
    let finding = &error.findings[0];
    assert_eq!(finding.line, Some(11), "{error}");
    assert!(
        finding
            .message
            .contains("not UTF-8: byte 0xff at column 12"),
        "{error}"
    );
    // Deeply nested values (the parser's recursion limit) are located too.
    let deep = format!("x = {}1{}\n", "[".repeat(200), "]".repeat(200));
    for finding in findings(&deep) {
        assert!(finding.line.is_some(), "{finding:?}");
    }
}

#[test]
fn a_missing_file_says_so_and_how_to_point_at_one() {
    let error = load(Path::new("/nonexistent/tier1.toml"), &Overrides::default()).unwrap_err();
    assert_eq!(
        error.findings[0].to_string(),
        "/nonexistent/tier1.toml: the file does not exist; point at a schedule file with --file PATH or the JOELCLAW_TIER1 environment variable (default ./tier1.toml)"
    );
}

#[test]
fn body_files_are_read_within_their_limit() {
    let source = "[defaults]\nrestate_url = \"http://r\"\n[[jobs]]\nname = \"j\"\nschedule = \"@hourly\"\nservice = \"s\"\nhandler = \"h\"\nbody_file = \"/dev/zero\"\n";
    let found = findings(source);
    assert_eq!(found[0].field.as_deref(), Some("body_file"));
    assert!(
        found[0]
            .message
            .contains("A body_file is more than 1 MiB, over this tool's limit of 1 MiB"),
        "{found:?}"
    );
}

#[test]
fn a_large_manifest_validates_in_linear_time() {
    let mut source = String::from("[defaults]\nrestate_url = \"http://r\"\n");
    for index in 0..20_000 {
        source.push_str(&format!(
            "[[jobs]]\nname = \"job-{index}\"\nschedule = \"@hourly\"\nservice = \"s\"\nhandler = \"h\"\ntimezone = \"Bad/{index}\"\n"
        ));
    }
    let started = std::time::Instant::now();
    let found = findings(&source);
    assert_eq!(found.len(), 20_000);
    assert_eq!(found[19_999].line, Some(2 + 19_999 * 6 + 6));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn header_names_and_values_follow_http_field_syntax() {
    let none = |_: &str| None;
    for value in ["a\nb", "a\rb", "a\0b", "a\u{7f}b", "a\u{1b}[2Jb"] {
        let error = resolve_header("x-h", value, &none).unwrap_err();
        assert!(error.contains("RFC 9110"), "{value:?}: {error}");
    }
    for name in ["x h", "x:h", "", "x\u{e9}", "x\nh"] {
        let error = resolve_header(name, "v", &none).unwrap_err();
        assert!(
            error.contains("not a valid HTTP header name"),
            "{name:?}: {error}"
        );
    }
    assert!(resolve_header("x-h", "tab\tand unicode \u{e9}", &none).is_ok());
    // A value from the environment is described, never shown.
    let env = |_: &str| Some("secret\nvalue".to_string());
    let error = resolve_header("x-h", "${env:S}", &env).unwrap_err();
    assert!(
        error.starts_with("the value from the environment contains a line break"),
        "{error}"
    );
    assert!(!error.contains("secret"), "{error}");
}
