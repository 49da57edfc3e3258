//! Catalog fetch over real HTTPS (test CA made here), revalidation, and
//! the last good catalog kept through every kind of failure.

use std::path::Path;

use crate::common::{Fault, TestCa, TestServer, WithNet};
use pillarbox::catalog::{CatalogConfig, CatalogError, CatalogLoader, LoadedFrom};
use pillarbox::net::{Net, NetConfig};
use serde_json::{Value, json};

fn example() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/catalog.example.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("example")).expect("json")
}

struct Site {
    dir: tempfile::TempDir,
    cache: tempfile::TempDir,
    /// Holds the rollback floors, apart from the cache.
    state: tempfile::TempDir,
    ca: TestCa,
    server: TestServer,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().expect("tmp");
        let ca = TestCa::new("catalog");
        let server = TestServer::start_tls(dir.path(), &ca);
        let site = Site {
            dir,
            cache: tempfile::tempdir().expect("tmp"),
            state: tempfile::tempdir().expect("tmp"),
            ca,
            server,
        };
        site.publish(&example());
        site
    }

    fn publish(&self, v: &Value) {
        std::fs::write(self.dir.path().join("catalog.json"), v.to_string()).expect("write");
    }

    fn config(&self) -> Config {
        let mut c = Config {
            inner: CatalogConfig::new(self.server.url("catalog.json"), self.cache.path()),
            // Served from loopback: the catalog may name loopback URLs.
            net: NetConfig {
                policy: pillarbox::net::UrlPolicy::loopback(),
                ..NetConfig::default()
            },
        };
        c.inner.floor_file = self.state.path().join("catalog-floors.json");
        c.net.extra_roots_pem = vec![self.ca.ca_pem.clone().into_bytes()];
        c.net.retry.attempts = 2;
        c.net.retry.base_delay = std::time::Duration::from_millis(10);
        c.net.limits.stall_timeout = std::time::Duration::from_millis(500);
        c
    }
}

type Config = WithNet<CatalogConfig>;

fn load(config: Config) -> Result<pillarbox::catalog::Loaded, CatalogError> {
    let net = Net::new(config.net).expect("network stack");
    net.block_on(async { CatalogLoader::new(config.inner, net.clone())?.load().await })
}

#[test]
fn trusted_https_fetch_then_revalidation_with_etag() {
    let site = Site::new();
    let first = load(site.config()).expect("fetched");
    assert_eq!(first.from, LoadedFrom::Network);
    assert_eq!(first.catalog.series.len(), 2);
    assert!(site.cache.path().join("catalog.json").exists());
    let again = load(site.config()).expect("revalidated");
    assert_eq!(again.from, LoadedFrom::Revalidated);
    assert_eq!(again.stale_since, None);
    let seen = site.server.seen("catalog.json");
    assert_eq!(seen.len(), 2);
    assert!(
        seen[1].headers.contains_key("if-none-match"),
        "{:?}",
        seen[1]
    );
    // A changed catalog is downloaded again.
    let mut v = example();
    v["catalog_version"] = json!(20261122);
    site.publish(&v);
    let third = load(site.config()).expect("changed");
    assert_eq!(third.from, LoadedFrom::Network);
    assert_eq!(third.catalog.catalog_version, 20261122);
}

#[test]
fn untrusted_certificate_is_refused() {
    let site = Site::new();
    let mut config = site.config();
    config.net.extra_roots_pem.clear();
    let err = load(config).expect_err("untrusted");
    assert!(matches!(err, CatalogError::Unreachable(_)), "{err}");
    assert!(
        err.to_string().contains("invalid peer certificate"),
        "{err}"
    );
}

#[test]
fn failures_keep_the_last_good_catalog() {
    let site = Site::new();
    load(site.config()).expect("first fetch");
    let good_version = example()["catalog_version"].as_u64();

    // Server errors and a truncated body: the cached copy, marked stale.
    for fault in [Fault::Status(500), Fault::Truncate(100)] {
        site.server.fault("catalog.json", fault.clone(), Some(2));
        let l = load(site.config()).expect("cached");
        assert_eq!(l.from, LoadedFrom::Cache, "{fault:?}");
        assert!(l.stale_since.is_some());
        assert!(l.problem.is_some(), "{fault:?}");
    }

    // Malformed, invalid, oversized, rolled back: refused, the last good stays.
    let mut invalid = example();
    invalid["series"][0]["licence"] = json!("");
    let mut rollback = example();
    rollback["catalog_version"] = json!(1);
    let cases: Vec<(&str, String)> = vec![
        ("syntax", "{\"format\": ".to_owned()),
        ("invalid", invalid.to_string()),
        ("rollback", rollback.to_string()),
    ];
    for (name, text) in cases {
        std::fs::write(site.dir.path().join("catalog.json"), text).expect("write");
        let l = load(site.config()).expect(name);
        assert_eq!(l.from, LoadedFrom::Cache, "{name}");
        assert_eq!(Some(l.catalog.catalog_version), good_version, "{name}");
        let why = l.problem.unwrap_or_default();
        assert!(
            why.contains(match name {
                "syntax" => "not valid JSON",
                "invalid" => "missing licence",
                _ => "rollback refused",
            }),
            "{name}: {why}"
        );
    }
    let mut big = example();
    big["x_padding"] = json!("x".repeat(20_000));
    site.publish(&big);
    let mut config = site.config();
    config.max_bytes = 10_000;
    let l = load(config).expect("oversized");
    assert_eq!(l.from, LoadedFrom::Cache);
    assert!(l.problem.unwrap_or_default().contains("too large"));
}

#[test]
fn offline_start_uses_the_cache_and_says_since_when() {
    let site = Site::new();
    load(site.config()).expect("first fetch");
    let config = site.config();
    drop(site.server);
    let l = load(config).expect("offline");
    assert_eq!(l.from, LoadedFrom::Cache);
    assert!(l.stale_since.is_some());
    assert!(l.problem.unwrap_or_default().contains("cannot connect"));
}

#[test]
fn nothing_cached_and_nothing_usable_is_an_error() {
    let site = Site::new();
    std::fs::write(site.dir.path().join("catalog.json"), "[]").expect("write");
    let err = load(site.config()).expect_err("invalid, no cache");
    assert!(matches!(err, CatalogError::Invalid(_)), "{err}");
    assert!(err.to_string().contains("JSON object"), "{err}");
    let mut config = site.config();
    config.url = "http://cdn.example.com/catalog.json".into();
    assert!(matches!(load(config), Err(CatalogError::Url(_))));
}

#[test]
fn a_damaged_cache_is_ignored_not_fatal() {
    let site = Site::new();
    load(site.config()).expect("first fetch");
    std::fs::write(
        site.cache.path().join("catalog.json"),
        "{\"format\": \"pillar",
    )
    .expect("damage");
    let l = load(site.config()).expect("refetched");
    assert_eq!(l.from, LoadedFrom::Network);
    // The cache folder holds the two files and no temporary leftovers.
    let mut names: Vec<String> = std::fs::read_dir(site.cache.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["catalog.json", "catalog.meta.json"]);
}

/// Copies the files of folder `from` into `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for e in std::fs::read_dir(from).expect("dir") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}

#[test]
fn a_deleted_cache_does_not_reset_the_rollback_floor() {
    let site = Site::new();
    load(site.config()).expect("fetched");
    let old_cache = tempfile::tempdir().expect("tmp");
    copy_dir(site.cache.path(), old_cache.path());
    let mut newer = example();
    newer["catalog_version"] = json!(20261201);
    site.publish(&newer);
    load(site.config()).expect("fetched");

    // The cache goes (cleared, damaged, deleted by whoever): the floor stays.
    std::fs::remove_dir_all(site.cache.path()).expect("cache deleted");
    site.publish(&example());
    let err = load(site.config()).expect_err("a rollback");
    assert!(matches!(err, CatalogError::Refused(_)), "{err}");
    assert!(err.to_string().contains("rollback refused"), "{err}");
    assert!(err.to_string().contains("20261201"), "{err}");

    // An older copy put back in the cache's place is not shown either.
    copy_dir(old_cache.path(), site.cache.path());
    let config = site.config();
    let net = Net::new(config.net.clone()).expect("network stack");
    let loader = CatalogLoader::new(config.inner.clone(), net).expect("loader");
    assert!(loader.cached().is_none());

    // A newer catalog is accepted and raises the floor.
    let mut newest = example();
    newest["catalog_version"] = json!(20261205);
    site.publish(&newest);
    assert_eq!(
        load(site.config()).expect("newer").catalog.catalog_version,
        20261205
    );
}

fn sign(key: &ed25519_dalek::SigningKey, bytes: &[u8]) -> String {
    use base64::Engine;
    use ed25519_dalek::Signer;
    base64::engine::general_purpose::STANDARD.encode(key.sign(bytes).to_bytes())
}

#[test]
fn signed_catalogs_only_when_a_key_is_configured() {
    use base64::Engine;
    let site = Site::new();
    let signing = ed25519_dalek::SigningKey::from_bytes(&[42u8; 32]);
    let public =
        base64::engine::general_purpose::STANDARD.encode(signing.verifying_key().as_bytes());
    let mut config = site.config();
    config.public_key = Some(public);

    // Unsigned, nothing cached: refused.
    let err = load(config.clone()).expect_err("unsigned");
    assert!(matches!(err, CatalogError::Refused(_)), "{err}");
    assert!(
        err.to_string().contains("unsigned catalog refused"),
        "{err}"
    );

    // Signed: accepted and cached with its signature.
    let good = std::fs::read(site.dir.path().join("catalog.json")).expect("read");
    std::fs::write(
        site.dir.path().join("catalog.json.sig"),
        sign(&signing, &good),
    )
    .expect("sig");
    let l = load(config.clone()).expect("signed");
    assert_eq!(l.from, LoadedFrom::Network);
    assert!(site.cache.path().join("catalog.json.sig").exists());

    // Tampered (the signature no longer matches): refused, the last good stays.
    let mut v = example();
    v["catalog_version"] = json!(20261130);
    v["series"][0]["episodes"][0]["streams"][0]["url"] = json!("https://evil.example.com/x.m3u8");
    site.publish(&v);
    let l = load(config.clone()).expect("cached");
    assert_eq!(l.from, LoadedFrom::Cache);
    assert!(l.problem.unwrap_or_default().contains("does not match"));
    assert_eq!(l.catalog.catalog_version, 20261121);

    // Signed with another key: refused too.
    let other = ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]);
    let text = v.to_string();
    std::fs::write(
        site.dir.path().join("catalog.json.sig"),
        sign(&other, text.as_bytes()),
    )
    .expect("sig");
    let l = load(config.clone()).expect("cached");
    assert_eq!(l.from, LoadedFrom::Cache);

    // Without a key the same files load: signatures are optional.
    let l = load(site.config()).expect("no key");
    assert_eq!(l.from, LoadedFrom::Network);
    let mut config = site.config();
    config.public_key = Some("not a key".into());
    assert!(matches!(load(config), Err(CatalogError::Key(_))));
}

#[test]
fn spki_pinning_of_the_catalog_host() {
    use base64::Engine;
    let site = Site::new();
    let hash = pillarbox::net::pinning::spki_sha256(&site.ca.server_cert_der).expect("spki");
    let pin = format!(
        "sha256/{}",
        base64::engine::general_purpose::STANDARD.encode(hash)
    );
    let mut config = site.config();
    config.net.spki_pins = vec![
        "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into(),
        pin,
    ];
    assert_eq!(
        load(config).expect("pinned key matches").from,
        LoadedFrom::Network
    );

    let fresh = tempfile::tempdir().expect("tmp");
    let mut config = site.config();
    config.cache_dir = fresh.path().to_owned();
    config.net.spki_pins = vec!["sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".into()];
    let err = load(config).expect_err("pin mismatch");
    assert!(err.to_string().contains("SPKI pin mismatch"), "{err}");
    assert!(err.to_string().contains("after 1 attempt"), "{err}");

    // A pin does not replace the chain check: an untrusted CA still fails.
    let mut config = site.config();
    config.cache_dir = fresh.path().to_owned();
    config.net.extra_roots_pem.clear();
    config.net.spki_pins = vec![format!(
        "sha256/{}",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )];
    let err = load(config).expect_err("untrusted");
    assert!(
        err.to_string().contains("invalid peer certificate"),
        "{err}"
    );

    let mut config = site.config();
    config.net.spki_pins = vec!["short".into()];
    let err = Net::new(config.net).err().expect("a bad pin is refused");
    assert!(err.to_string().contains("\"short\" is not"), "{err}");
}

#[test]
fn a_roku_feed_loads_directly_and_from_the_cache() {
    let site = Site::new();
    let feed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/roku-feed.json");
    std::fs::copy(feed, site.dir.path().join("catalog.json")).expect("copy");
    let mut config = site.config();
    config.roku.licence = Some("MX-1".into());
    let l = load(config.clone()).expect("roku feed");
    assert_eq!(l.from, LoadedFrom::Network);
    assert_eq!(l.catalog.provider, "Acme Shorts");
    assert_eq!(
        load(config.clone()).expect("again").from,
        LoadedFrom::Revalidated
    );
    let offline = config.clone();
    drop(site.server);
    let l = load(offline).expect("offline");
    assert_eq!(l.from, LoadedFrom::Cache);
    assert_eq!(l.catalog.series.len(), 3);
}

#[test]
fn a_server_that_stops_sending_is_timed_out_and_the_cache_used() {
    let site = Site::new();
    load(site.config()).expect("first fetch");
    site.server.fault("catalog.json", Fault::Stall(100), None);
    let l = load(site.config()).expect("cached");
    assert_eq!(l.from, LoadedFrom::Cache);
    assert!(l.problem.unwrap_or_default().contains("stalled"));
}

#[test]
fn an_unsigned_catalog_cannot_name_an_unlock_api_but_a_signed_one_can() {
    use base64::Engine;
    let site = Site::new();
    let signing = ed25519_dalek::SigningKey::from_bytes(&[42u8; 32]);
    let public =
        base64::engine::general_purpose::STANDARD.encode(signing.verifying_key().as_bytes());
    let mut v = example();
    v["unlock_api"] = json!({ "url": "https://tv.partner.example/unlock/v1/", "key": public });
    site.publish(&v);
    // No key configured: anyone could have changed the API, it is dropped.
    let l = load(site.config()).expect("unsigned");
    assert_eq!(l.catalog.unlock_api, None);
    // The same from the cache.
    let net = Net::new(site.config().net).unwrap();
    let cached = CatalogLoader::new(site.config().inner, net)
        .unwrap()
        .cached()
        .expect("cached");
    assert_eq!(cached.catalog.unlock_api, None);
    // Signed and checked with the box's key: kept.
    let bytes = std::fs::read(site.dir.path().join("catalog.json")).unwrap();
    std::fs::write(
        site.dir.path().join("catalog.json.sig"),
        sign(&signing, &bytes),
    )
    .unwrap();
    let mut config = site.config();
    config.public_key = Some(public);
    let l = load(config).expect("signed");
    assert_eq!(
        l.catalog.unlock_api.map(|a| a.url).as_deref(),
        Some("https://tv.partner.example/unlock/v1/")
    );
}
