//! How much this tool reads from anything it does not control: every answer of Dkron and of
//! Restate's admin API, the manifest and a job's `body_file`.
//!
//! A server that is not what it claims (or a proxy, or a stalled pod that streams garbage), and a
//! path that names `/dev/zero`, must not make a command buffer gigabytes. Each kind of input has
//! one limit here, generous for the largest real case (noted beside it), and a read that passes
//! it fails with an error that names the limit and the size seen ([`TooLarge`]) instead of
//! exhausting memory. Error bodies are the exception: they are only shown, so they are cut at
//! [`ERROR_BODY`] rather than refused. docs/commands.md lists these numbers.

use std::fmt;

/// One kind of input and how many bytes of it are read at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// What is read, as an error names it ("Dkron's job list").
    pub what: &'static str,
    pub bytes: u64,
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// `GET /v1/jobs`: 100 000 jobs of up to 2.5 KiB of JSON each (a rendered job is about 1 KiB).
pub const JOB_LIST: Limit = Limit {
    what: "Dkron's job list",
    bytes: 256 * MIB,
};

/// `GET /v1/jobs/{job}/executions`: Dkron keeps 100 executions with up to 256 000 bytes of output
/// each, which JSON escaping can make a few times larger.
pub const EXECUTIONS: Limit = Limit {
    what: "Dkron's execution list",
    bytes: 128 * MIB,
};

/// Any other answer a command decodes: one job, health, members, leader, Restate's services.
pub const ANSWER: Limit = Limit {
    what: "an answer",
    bytes: 16 * MIB,
};

/// Restate's SQL introspection: one query carries up to 20 000 invocations.
pub const QUERY: Limit = Limit {
    what: "Restate's query answer",
    bytes: 128 * MIB,
};

/// The part of an error answer that is kept and shown (Dkron's error bodies are a line of text).
pub const ERROR_BODY: Limit = Limit {
    what: "an error body",
    bytes: 8 * KIB,
};

/// `tier1.toml`: 100 000 entries of about 300 bytes.
pub const MANIFEST: Limit = Limit {
    what: "a schedule file",
    bytes: 32 * MIB,
};

/// A job's `body_file`: Dkron stores the body inside the job and replicates it through Raft.
pub const BODY_FILE: Limit = Limit {
    what: "a body_file",
    bytes: MIB,
};

/// A read that went past its limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge {
    pub limit: Limit,
    /// How much there was: the size announced (Content-Length, a file's length) when known,
    /// else the bytes read before stopping (more than the limit).
    pub seen: Seen,
}

/// The size of an input that passed its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// Announced before reading (Content-Length, a regular file's length).
    Exactly(u64),
    /// Read this much and stopped: the whole is larger.
    MoreThan(u64),
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seen = match self.seen {
            Seen::Exactly(bytes) => size(bytes),
            Seen::MoreThan(bytes) => format!("more than {}", size(bytes)),
        };
        write!(
            f,
            "{} is {seen}, over this tool's limit of {} for {}",
            capitalised(self.limit.what),
            size(self.limit.bytes),
            self.limit.what
        )
    }
}

impl std::error::Error for TooLarge {}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// "512 bytes", "8 KiB", "1.5 MiB", "256 MiB" (exact bytes beside a rounded figure).
pub fn size(bytes: u64) -> String {
    let (unit, name) = if bytes >= MIB {
        (MIB, "MiB")
    } else if bytes >= KIB {
        (KIB, "KiB")
    } else {
        return format!("{bytes} bytes");
    };
    let whole = bytes / unit;
    if bytes.is_multiple_of(unit) {
        format!("{whole} {name}")
    } else {
        format!("{:.1} {name} ({bytes} bytes)", bytes as f64 / unit as f64)
    }
}

impl Limit {
    /// Checks a size announced before reading.
    pub fn check_announced(self, bytes: u64) -> Result<(), TooLarge> {
        if bytes > self.bytes {
            Err(TooLarge {
                limit: self,
                seen: Seen::Exactly(bytes),
            })
        } else {
            Ok(())
        }
    }

    /// The error for a read that got past the limit (reading stops there, so all that is known
    /// is that the whole is larger).
    pub fn exceeded(self) -> TooLarge {
        TooLarge {
            limit: self,
            seen: Seen::MoreThan(self.bytes),
        }
    }
}

/// Reads at most `limit` bytes of `reader` (a file, a FIFO, a device), failing past it.
pub fn read_bounded(reader: impl std::io::Read, limit: Limit) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    reader.take(limit.bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit.bytes {
        return Err(std::io::Error::other(limit.exceeded()));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_names_the_limit_and_the_size_seen() {
        let error = JOB_LIST.check_announced(300 * MIB).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Dkron's job list is 300 MiB, over this tool's limit of 256 MiB for Dkron's job list"
        );
        assert!(JOB_LIST.check_announced(256 * MIB).is_ok());
        assert_eq!(
            BODY_FILE.exceeded().to_string(),
            "A body_file is more than 1 MiB, over this tool's limit of 1 MiB for a body_file"
        );
        assert_eq!(size(1536), "1.5 KiB (1536 bytes)");
        assert_eq!(size(12), "12 bytes");
    }

    #[test]
    fn bounded_reads_stop_at_the_limit() {
        let small = Limit {
            what: "a test input",
            bytes: 4,
        };
        assert_eq!(read_bounded(&b"abcd"[..], small).unwrap(), b"abcd");
        let error = read_bounded(std::io::repeat(0), small).unwrap_err();
        assert!(error.to_string().contains("more than 4 bytes"), "{error}");
    }
}
