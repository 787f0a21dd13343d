//! What Restate's ingress answers to a fire-and-forget `/send`, as Dkron's HTTP executor records it
//! in an execution's output: `202 {"invocationId":"inv_…","status":"Accepted"}` on success, or a JSON
//! error `{"code":404,"message":"service 'x' not found…","source":"ingress"}` after Dkron's own error
//! line. Dkron keeps only the end of a long output, so both are looked for anywhere in the text.

use serde::Deserialize;

/// The invocation id in a `/send` answer, wherever it stands in the text.
pub fn invocation_id(output: &str) -> Option<String> {
    let start = output.find("\"invocationId\"")?;
    let rest = &output[start + "\"invocationId\"".len()..];
    let value = rest
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    let id: String = value.chars().take_while(|c| *c != '"').collect();
    (!id.is_empty()).then_some(id)
}

/// A failed send in one line: Restate's own code and message when the output holds its JSON error,
/// else the output's first line (Dkron's text for a refused or timed-out connection).
pub fn failure_summary(output: &str) -> String {
    #[derive(Deserialize)]
    struct IngressError {
        code: u16,
        message: String,
    }
    let from_restate = output.find('{').and_then(|start| {
        serde_json::Deserializer::from_str(&output[start..])
            .into_iter::<IngressError>()
            .next()?
            .ok()
    });
    match from_restate {
        Some(error) => format!("Restate answered {}: {}", error.code, error.message),
        None => output
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
            .unwrap_or("(no output)")
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_after_error_text_and_in_a_cut_output() {
        assert_eq!(
            invocation_id(r#"{"invocationId":"inv_1ab","status":"Accepted"}"#).as_deref(),
            Some("inv_1ab")
        );
        assert_eq!(
            invocation_id("some error\n{\"invocationId\" : \"inv_2\"}").as_deref(),
            Some("inv_2")
        );
        assert_eq!(invocation_id("nothing"), None);
    }

    #[test]
    fn failures_read_as_restates_answer_or_dkrons_first_line() {
        assert_eq!(
            failure_summary(
                "received response code does not match the expected code\n{\"code\":404,\"message\":\"service 'nope' not found, make sure to register the service before calling it.\",\"source\":\"ingress\"}"
            ),
            "Restate answered 404: service 'nope' not found, make sure to register the service before calling it."
        );
        assert_eq!(
            failure_summary(
                "\nPost \"http://127.0.0.1:9/x/run/send\": dial tcp 127.0.0.1:9: connect: connection refused\n"
            ),
            "Post \"http://127.0.0.1:9/x/run/send\": dial tcp 127.0.0.1:9: connect: connection refused"
        );
    }
}
