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
    assert!(
        finding.message.contains("unknown field"),
        "{}",
        finding.message
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
