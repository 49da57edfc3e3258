//! `pillarbox catalog check` and `import-roku`, and probe's catalog line:
//! a catalog from a file or URL (through the process's one network stack,
//! with its policy, pins and retries), its signature checked when a key is
//! given, parsed and validated.

use url::Url;

use super::CatalogError;
use super::fetch::fetch_verified;
use super::model::Catalog;
use super::roku::RokuOptions;
use super::validate::Problem;
use super::verify::CatalogKey;
use crate::net::{Net, NetConfig};

/// Largest catalog read from a file or URL.
pub const MAX_BYTES: usize = 8 << 20;

#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    pub net: NetConfig,
    /// For a Roku feed: the licence of series that carry none.
    pub roku: RokuOptions,
    /// Ed25519 public key, base64: require a valid signature (SOURCE.sig).
    pub public_key: Option<String>,
}

/// Why a catalog did not check out.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// It could not be read at all (exit status 2).
    #[error("{0}")]
    Unreadable(String),
    /// Its signature is missing or wrong.
    #[error("signature refused: {0}")]
    BadSignature(String),
    /// It was read but is not a valid catalog: every problem found.
    #[error("{} problem(s)", .0.len())]
    Invalid(Vec<Problem>),
}

/// A valid catalog, and what a Roku feed could not say.
pub struct Checked {
    pub catalog: Catalog,
    pub warnings: Vec<String>,
}

/// Reads `source` (a file, or a URL with `://`), checks its signature when
/// a key is given, and validates it.
pub fn check(source: &str, options: &CheckOptions) -> Result<Checked, CheckError> {
    let key = options
        .public_key
        .as_deref()
        .map(CatalogKey::from_base64)
        .transpose()
        .map_err(|e| CheckError::Unreadable(format!("--public-key: {e}")))?;
    let bytes = if source.contains("://") {
        fetch(source, &options.net, key.as_ref())?
    } else {
        read_file(source, key.as_ref())?
    };
    super::parse_any(&bytes, &options.net.policy, &options.roku)
        .map(|(catalog, warnings)| Checked { catalog, warnings })
        .map_err(CheckError::Invalid)
}

fn read_file(path: &str, key: Option<&CatalogKey>) -> Result<Vec<u8>, CheckError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CheckError::Unreadable(format!("cannot read {path}: {e}")))?;
    if meta.len() > MAX_BYTES as u64 {
        return Err(CheckError::Unreadable(format!(
            "{path} is larger than {MAX_BYTES} bytes"
        )));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| CheckError::Unreadable(format!("cannot read {path}: {e}")))?;
    if let Some(key) = key {
        let sig = format!("{path}.sig");
        std::fs::read(&sig)
            .map_err(|e| format!("unsigned: cannot read {sig}: {e}"))
            .and_then(|s| key.verify(&bytes, &s).map_err(|e| e.to_string()))
            .map_err(CheckError::BadSignature)?;
    }
    Ok(bytes)
}

/// The catalog at `url`, its signature at `url.sig` checked with `key`.
pub fn fetch(url: &str, net: &NetConfig, key: Option<&CatalogKey>) -> Result<Vec<u8>, CheckError> {
    let url: Url = net
        .policy
        .parse(url)
        .map_err(|e| CheckError::Unreadable(e.to_string()))?;
    let net = Net::new(net.clone()).map_err(|e| CheckError::Unreadable(e.to_string()))?;
    net.block_on(fetch_verified(&net, &url, key, MAX_BYTES))
        .map(|b| b.to_vec())
        .map_err(|e| match e {
            CatalogError::Refused(why) => CheckError::BadSignature(why.to_string()),
            CatalogError::Unreachable(e) => {
                CheckError::Unreadable(format!("catalog unreachable: {e}"))
            }
            other => CheckError::Unreadable(other.to_string()),
        })
}

/// `pillarbox catalog check` (a summary on stdout) or `import-roku` (the
/// catalog as JSON); problems on stdout, one a line, the verdict on
/// stderr. The exit code: 0 valid, 1 invalid or badly signed, 2 unreadable.
pub fn print(source: &str, options: &CheckOptions, emit: bool) -> u8 {
    let checked = match check(source, options) {
        Ok(c) => c,
        Err(CheckError::Unreadable(e)) => {
            eprintln!("pillarbox: {e}");
            return 2;
        }
        Err(CheckError::BadSignature(why)) => {
            println!("$: signature refused: {why}");
            eprintln!("pillarbox: {source} is not a valid catalog (bad signature)");
            return 1;
        }
        Err(CheckError::Invalid(problems)) => {
            for p in &problems {
                println!("{p}");
            }
            eprintln!(
                "pillarbox: {source} is not a valid catalog ({} problem{})",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            );
            return 1;
        }
    };
    for w in &checked.warnings {
        eprintln!("pillarbox: {w}");
    }
    if emit {
        match serde_json::to_string_pretty(&checked.catalog) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("pillarbox: cannot write the catalog: {e}");
                return 1;
            }
        }
    } else {
        println!("{}", super::summary(&checked.catalog));
    }
    0
}
