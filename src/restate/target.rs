//! Restate ingress targets and their URLs, both ways.
//!
//! A job fires a fire-and-forget call `{restate_url}/{service}[/{key}]/{handler}/send`. This module
//! builds that URL from a [`RestateTarget`] (what `sync-tier1` writes) and reads it back from a live
//! job (what `export`, `status`, `trace` and `audit` need to know which Restate handler a job
//! reaches). Segments are percent-encoded on the way in and decoded on the way out, so a key such as
//! `a b/c` survives the round trip.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;
use serde::Serialize;
use url::Url;

use crate::dkron::{RESTATE_HANDLER_KEY, RESTATE_KEY_KEY, RESTATE_SERVICE_KEY};

/// A Restate handler as a job's URL reaches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestateTarget {
    /// The ingress base as Dkron reaches it, without a trailing slash.
    pub restate_url: String,
    pub service: String,
    /// The Virtual Object or Workflow key, for keyed targets.
    pub key: Option<String>,
    pub handler: String,
}

/// The ingress URL of a fire-and-forget call: `{restate}/{service}[/{key}]/{handler}/send`.
pub fn send_url(restate_url: &Url, service: &str, key: Option<&str>, handler: &str) -> Url {
    let mut url = restate_url.clone();
    {
        let mut segments = url.path_segments_mut().expect("http(s) URL");
        segments.pop_if_empty().push(service);
        if let Some(key) = key {
            segments.push(key);
        }
        segments.push(handler).push("send");
    }
    url
}

impl RestateTarget {
    /// `service/handler` (or `service/key/handler`), as Restate names a target.
    pub fn display(&self) -> String {
        match &self.key {
            Some(key) => format!("{}/{key}/{}", self.service, self.handler),
            None => format!("{}/{}", self.service, self.handler),
        }
    }

    /// Splits `{restate_url}/{service}[/{key}]/{handler}/send`. The metadata this tool writes
    /// (`restate-service`, `restate-handler`, `restate-key`) says where the target starts; without
    /// it, three segments before `/send` are read as service, key and handler, two as service and
    /// handler, and more as a base path followed by service and handler (the URL is the same
    /// either way).
    pub fn parse(text: &str, metadata: &BTreeMap<String, String>) -> Result<Self, String> {
        let url = Url::parse(text).map_err(|_| format!("url `{text}` is not a URL"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("url `{text}` is not http(s)"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(format!(
                "url `{text}` has a query or fragment, which tier1.toml cannot express"
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("the url carries credentials, which tier1.toml does not hold".to_string());
        }
        let raw: Vec<&str> = url
            .path_segments()
            .map(Iterator::collect)
            .unwrap_or_default();
        let not_send = || {
            format!(
                "url `{text}` is not a Restate `{{restate_url}}/{{service}}[/{{key}}]/{{handler}}/send` URL; tier1.toml writes fire-and-forget `/send` calls"
            )
        };
        let Some((&"send", path)) = raw.split_last() else {
            return Err(not_send());
        };
        let decoded: Vec<String> = path
            .iter()
            .map(|segment| {
                percent_decode_str(segment)
                    .decode_utf8()
                    .map(|text| text.into_owned())
            })
            .collect::<Result<_, _>>()
            .map_err(|_| format!("url `{text}` has a path that is not UTF-8"))?;
        let from_metadata = match (
            metadata.get(RESTATE_SERVICE_KEY),
            metadata.get(RESTATE_HANDLER_KEY),
        ) {
            (Some(service), Some(handler)) => {
                let key = metadata.get(RESTATE_KEY_KEY);
                let suffix: Vec<&String> = std::iter::once(service)
                    .chain(key)
                    .chain(std::iter::once(handler))
                    .collect();
                let tail: Vec<&String> = decoded.iter().rev().take(suffix.len()).rev().collect();
                (tail == suffix).then(|| (decoded.len() - suffix.len(), key.is_some()))
            }
            _ => None,
        };
        let (base_len, keyed) = match from_metadata {
            Some(found) => found,
            None => match decoded.len() {
                2 => (0, false),
                3 => (0, true),
                n if n > 3 => (n - 2, false),
                _ => return Err(not_send()),
            },
        };
        let target = &decoded[base_len..];
        let mut base = url.clone();
        base.set_path(&format!("/{}", path[..base_len].join("/")));
        Ok(Self {
            restate_url: base.as_str().trim_end_matches('/').to_string(),
            service: target[0].clone(),
            key: keyed.then(|| target[1].clone()),
            handler: target[target.len() - 1].clone(),
        })
    }

    /// The target of a live Dkron HTTP job, if it is a Restate `/send` call.
    pub fn of_job(job: &crate::dkron::Job) -> Result<Self, String> {
        if job.executor != "http" {
            return Err(format!(
                "executor `{}` is not an HTTP call to Restate",
                job.executor
            ));
        }
        let url = job.executor_config.get("url").map_or("", String::as_str);
        Self::parse(url, &job.metadata)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn target_urls_split_by_metadata_first() {
        let metadata = BTreeMap::from([
            (RESTATE_SERVICE_KEY.to_string(), "svc".to_string()),
            (RESTATE_HANDLER_KEY.to_string(), "run".to_string()),
        ]);
        let target = RestateTarget::parse("http://h:1/base/path/svc/run/send", &metadata).unwrap();
        assert_eq!(
            target,
            RestateTarget {
                restate_url: "http://h:1/base/path".to_string(),
                service: "svc".to_string(),
                key: None,
                handler: "run".to_string(),
            }
        );
        let target =
            RestateTarget::parse("http://h/svc/a%20b%2Fc/run/send", &BTreeMap::new()).unwrap();
        assert_eq!(target.key.as_deref(), Some("a b/c"));
        assert_eq!(target.restate_url, "http://h");
        assert_eq!(target.display(), "svc/a b/c/run");
        assert!(RestateTarget::parse("http://h/send", &BTreeMap::new()).is_err());
        assert!(RestateTarget::parse("http://h/svc/run", &BTreeMap::new()).is_err());
        assert!(RestateTarget::parse("http://h/svc/%FF/send", &BTreeMap::new()).is_err());
    }

    fn segment() -> impl Strategy<Value = String> {
        // Any non-empty text, `/`, `%`, spaces and non-ASCII included: the URL must carry it.
        "[a-zA-Z0-9 _./%?#ßé-]{1,12}"
            .prop_filter("not a dot segment", |text| text != "." && text != "..")
    }

    proptest! {
        /// What `send_url` builds, `parse` reads back, with the metadata a sync writes.
        #[test]
        fn send_urls_round_trip(
            base in prop::sample::select(vec!["http://restate:8080", "https://h.example:1/a/b", "http://127.0.0.1:9"]),
            service in segment(),
            key in prop::option::of(segment()),
            handler in segment(),
        ) {
            let base_url = Url::parse(base).unwrap();
            let url = send_url(&base_url, &service, key.as_deref(), &handler);
            let mut metadata = BTreeMap::from([
                (RESTATE_SERVICE_KEY.to_string(), service.clone()),
                (RESTATE_HANDLER_KEY.to_string(), handler.clone()),
            ]);
            if let Some(key) = &key {
                metadata.insert(RESTATE_KEY_KEY.to_string(), key.clone());
            }
            let target = RestateTarget::parse(url.as_str(), &metadata).unwrap();
            prop_assert_eq!(target, RestateTarget {
                restate_url: base.to_string(),
                service,
                key,
                handler,
            });
        }
    }
}
