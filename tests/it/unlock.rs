//! Unlocking: the unlock API client against the demo partner over real
//! TLS, with faults injected; and the whole flow end to end, the headless
//! TV app waiting on the Locked screen while headless Chromium approves the
//! purchase on the verification page.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use pillarbox::catalog::verify::CatalogKey;
use pillarbox::demo::partner::{self, Partner};
use pillarbox::net::{ApiCall, FetchStats, Limits, Net, NetConfig, RetryPolicy, UrlPolicy};
use pillarbox::unlock::{EntitlementError, PurchaseAttempt, TokenPoll, UnlockClient, UnlockError};

/// The device id the tests' box sends.
const DEVICE: &str = "0123456789abcdef";

use crate::common::browser::Chromium;
use crate::common::{Fault, TestCa, TestServer};

pub(crate) fn net(ca: &TestCa) -> Net {
    Net::new(NetConfig {
        policy: UrlPolicy::loopback(),
        extra_roots_pem: vec![ca.ca_pem.clone().into_bytes()],
        limits: Limits {
            request_timeout: Duration::from_secs(2),
            stall_timeout: Duration::from_secs(1),
            ..Limits::default()
        },
        retry: RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(200),
            deadline: Duration::from_secs(10),
        },
        ..NetConfig::default()
    })
    .expect("net")
}

/// The demo partner over TLS under a test CA of its own, a network stack
/// that trusts it, a fresh state folder and the catalog's `unlock_api`
/// naming it: where each test of the unlock service starts.
pub(crate) struct PartnerOverTls {
    pub server: TestServer,
    pub partner: Partner,
    pub net: Net,
    pub state: tempfile::TempDir,
    pub api: pillarbox::catalog::model::UnlockApi,
}

impl PartnerOverTls {
    pub(crate) fn start(name: &str) -> PartnerOverTls {
        let ca = TestCa::new(name);
        let mut partner = None;
        let server = TestServer::start_tls_router(&ca, |base| {
            let p = Partner::new(&url::Url::parse(base).unwrap());
            partner = Some(p.clone());
            p.router()
        });
        let api = pillarbox::catalog::model::UnlockApi {
            url: server.url(partner::API_PATH),
            key: partner::public_key(),
        };
        PartnerOverTls {
            net: net(&ca),
            partner: partner.expect("the router was made"),
            server,
            state: tempfile::tempdir().unwrap(),
            api,
        }
    }

    /// The unlock service as the TV runs it on the state folder (what the
    /// test put there first included), connected to the partner.
    pub(crate) fn connect(
        &self,
    ) -> (
        pillarbox::unlock::service::UnlockService,
        std::sync::mpsc::Receiver<pillarbox::unlock::UnlockReport>,
    ) {
        let (mut unlock, rx) = service(&self.net, self.state.path());
        unlock.run(pillarbox::unlock::UnlockCommand::Connect(self.api.clone()));
        (unlock, rx)
    }

    /// Pairs the box for episode 9 of The CEO's Secret, approved on the
    /// phone page; the account's document once it comes.
    pub(crate) fn pair(
        &self,
        unlock: &mut pillarbox::unlock::service::UnlockService,
        rx: &std::sync::mpsc::Receiver<pillarbox::unlock::UnlockReport>,
    ) -> std::sync::Arc<pillarbox::unlock::Entitlements> {
        use pillarbox::unlock::{UnlockCommand as C, UnlockReport as R};
        unlock.run(C::Pair {
            series: "ceo-secret".into(),
            episode: 9,
        });
        let code = wait_for(rx, |r| match r {
            R::Pairing {
                user_code, host, ..
            } => {
                assert_eq!(host, "127.0.0.1");
                Some(user_code.clone())
            }
            _ => None,
        });
        phone(&self.net, &self.server, &code, "approve");
        wait_for(rx, |r| match r {
            R::Entitlements { doc: Some(d), .. } => Some(d.clone()),
            _ => None,
        })
    }
}

/// The phone: a form posted to the verification page.
pub(crate) fn phone(net: &Net, server: &TestServer, user_code: &str, action: &str) -> String {
    let url = url::Url::parse(&server.url(partner::PAGE_PATH)).unwrap();
    let form = [("user_code", user_code), ("action", action)];
    let call = ApiCall {
        url: &url,
        form: Some(&form),
        json: None,
        bearer: None,
        headers: &[],
        max_bytes: 1 << 20,
    };
    let reply = net
        .block_on(net.fetcher().call("page", &call, &FetchStats::default()))
        .expect("page");
    assert_eq!(reply.status, 200);
    String::from_utf8(reply.body.to_vec()).unwrap()
}

#[test]
fn pairing_coins_and_faults_against_the_partner_api_over_tls() {
    let ca = TestCa::new("unlock");
    let mut demo = None;
    let server = TestServer::start_tls_router(&ca, |base| {
        let p = Partner::new(&url::Url::parse(base).unwrap());
        demo = Some(p.clone());
        p.router()
    });
    let demo = demo.unwrap();
    let net = net(&ca);
    let key = CatalogKey::from_base64(&partner::public_key()).unwrap();
    let client = UnlockClient::new(net.clone(), &server.url(partner::API_PATH)).unwrap();

    // RFC 8628: a code; polls before the phone acts are pending, polls
    // faster than the interval are told to slow down.
    let auth = net
        .block_on(client.device_code("ceo-secret", 9, DEVICE))
        .unwrap();
    assert_eq!(auth.user_code.len(), 9, "{auth:?}");
    assert!(
        auth.verification_uri_complete
            .as_ref()
            .unwrap()
            .as_str()
            .contains(&auth.user_code)
    );
    assert_eq!(auth.interval_s, 2);
    let poll = |code: &str| net.block_on(client.poll_token(code)).unwrap();
    assert_eq!(poll(&auth.device_code), TokenPoll::Pending);
    assert_eq!(poll(&auth.device_code), TokenPoll::SlowDown);
    // Refused on the phone: access_denied.
    let refused = net
        .block_on(client.device_code("ceo-secret", 9, DEVICE))
        .unwrap();
    phone(&net, &server, &refused.user_code, "deny");
    assert_eq!(poll(&refused.device_code), TokenPoll::Denied);
    assert_eq!(poll("no-such-code"), TokenPoll::Expired);

    // Bought on the phone: the token comes, the signed entitlements say so.
    let page = phone(&net, &server, &auth.user_code, "buy");
    assert!(page.contains("id=\"done\""), "{page}");
    std::thread::sleep(Duration::from_secs(2));
    let TokenPoll::Granted(token) = poll(&auth.device_code) else {
        panic!("no token after approval");
    };
    let env = net.block_on(client.entitlements(&token, DEVICE)).unwrap();
    let doc = env.open(&key, None, DEVICE).unwrap();
    assert_eq!(doc.coins, partner::STARTING_COINS - 49);
    assert!(doc.allows("ceo-secret", 9, chrono::Utc::now()));

    // A purchase whose first two attempts meet a 500: retried with the same
    // idempotency key, charged once.
    server.fault("/purchase", Fault::Status(500), Some(2));
    let a10 = PurchaseAttempt::new("ceo-secret", 10, 49);
    let k10 = a10.key.clone();
    let env = net.block_on(client.purchase(&token, &a10, DEVICE)).unwrap();
    assert_eq!(
        env.open(&key, Some("demo-viewer"), DEVICE).unwrap().coins,
        22
    );
    let seen = server.seen("/purchase");
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter()
            .all(|s| s.headers.get("idempotency-key") == Some(&k10))
    );
    // A double press, or a retry after a crash: same key, same answer, no charge.
    let again = net.block_on(client.purchase(&token, &a10, DEVICE)).unwrap();
    assert_eq!(again.open(&key, None, DEVICE).unwrap().coins, 22);
    assert_eq!(demo.coins(), 22);

    // Too few coins: 402 with the balance.
    let a11 = PurchaseAttempt::new("ceo-secret", 11, 49);
    let e = net
        .block_on(client.purchase(&token, &a11, DEVICE))
        .unwrap_err();
    assert!(
        matches!(
            e,
            UnlockError::NotEnoughCoins {
                balance: 22,
                price: 49,
                ..
            }
        ),
        "{e}"
    );

    // A server that stays down: an error after the retries, nothing spent.
    server.fault("/purchase", Fault::Status(503), Some(3));
    let a12 = PurchaseAttempt::new("ceo-secret", 12, 49);
    let e = net
        .block_on(client.purchase(&token, &a12, DEVICE))
        .unwrap_err();
    assert!(matches!(e, UnlockError::Network(_)), "{e}");
    // One that stalls mid-purchase: the request times out.
    server.fault("/purchase", Fault::Delay(Duration::from_secs(5)), Some(3));
    let e = net
        .block_on(client.purchase(&token, &a12, DEVICE))
        .unwrap_err();
    assert!(e.to_string().contains("no complete response"), "{e}");
    assert_eq!(demo.coins(), 22);

    // Forged documents: edited payload, no signature, not JSON at all.
    let mut forged = env.clone();
    let payload = STANDARD.decode(&forged.entitlements).unwrap();
    let edited = String::from_utf8(payload)
        .unwrap()
        .replace("\"coins\":22", "\"coins\":9999");
    forged.entitlements = STANDARD.encode(edited);
    let unsigned = serde_json::json!({ "entitlements": env.entitlements, "signature": "" });
    for (body, want) in [
        (serde_json::to_string(&forged).unwrap(), "does not match"),
        (unsigned.to_string(), "not 64 bytes"),
        ("{\"entitlements\": [".to_string(), "not a signed envelope"),
    ] {
        server.fault("/entitlements", Fault::Json(body), Some(1));
        let env = net.block_on(client.entitlements(&token, DEVICE));
        let e = match env {
            Ok(env) => UnlockError::from(env.open(&key, None, DEVICE).unwrap_err()),
            Err(e) => e,
        };
        assert!(e.to_string().contains(want), "{e}");
        assert!(
            matches!(e, UnlockError::Entitlements(EntitlementError::Signature(_)))
                || matches!(e, UnlockError::Entitlements(EntitlementError::Envelope(_)))
        );
    }

    // The partner revokes the token: 401, said as such.
    demo.revoke_tokens();
    let e = net
        .block_on(client.entitlements(&token, DEVICE))
        .unwrap_err();
    assert!(matches!(e, UnlockError::SignedOut { .. }), "{e}");
}

/// Runs `pillarbox qa` with `steps`, giving each `{"pairing":..}` line it
/// prints to `on_pairing`; the final report.
fn qa_with_pairing(
    steps: &[&str],
    state: &std::path::Path,
    mut on_pairing: impl FnMut(&serde_json::Value),
) -> serde_json::Value {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pillarbox"))
        .arg("qa")
        .args(["--mute", "--timeout", "150"])
        .args(steps)
        .arg("--state-dir")
        .arg(state)
        .env("XDG_CACHE_HOME", state.join("cache"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("pillarbox runs");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut report = None;
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(&line.unwrap()).expect("JSON lines");
        match v.get("pairing") {
            Some(p) => on_pairing(p),
            None => report = Some(v),
        }
    }
    assert!(
        child.wait().unwrap().success(),
        "pillarbox qa {steps:?} failed"
    );
    report.expect("a report")
}

#[test]
fn a_locked_episode_is_bought_on_the_phone_page_in_chromium_then_with_coins_on_the_tv() {
    let state = tempfile::tempdir().unwrap();
    let mut browser = Chromium::launch();
    let mut page = None;
    let report = qa_with_pairing(
        &[
            "home",
            "key:down",
            // The CEO's Secret, episode 9: locked (8 are free), not paired.
            "key:ok",
            "key:digit9",
            "key:ok",
            // The only choice: unlock on the phone. The code appears; the
            // TV waits on the Locked screen until the episode plays.
            "key:ok",
            "pairing",
            "playing:1000",
            // Back to the series, episode 10: now paired, 71 coins.
            "key:back",
            "key:digit1",
            "key:digit0",
            "key:ok",
            "key:ok",
            "key:ok",
            "playing:1000",
        ],
        state.path(),
        |pairing| {
            // The phone: opens the QR code's address, sees the request and
            // the balance, buys the episode.
            let url = pairing["uri_complete"].as_str().expect("a QR address");
            browser.open(url);
            browser.wait_for("document.querySelector('#buy')", Duration::from_secs(20));
            page = Some((browser.text("#title"), browser.text("#balance")));
            browser.eval("document.querySelector('#buy').click()");
            browser.wait_for("document.querySelector('#done')", Duration::from_secs(20));
        },
    );
    let (title, balance) = page.expect("the TV showed a code");
    assert_eq!(title, "The CEO's Secret");
    assert_eq!(balance, "120 coins");
    assert_eq!(report["screen"], "player", "{report}");
    assert_eq!(
        report["first_frame_ms"].as_array().map(Vec::len),
        Some(2),
        "{report}"
    );
    // 120 - 49 on the phone - 49 on the TV.
    assert_eq!(report["coins"], 22, "{report}");
    // What was bought is kept, signed, for the next start (and offline).
    let saved = std::fs::read_to_string(state.path().join("entitlements.json")).unwrap();
    let doc = pillarbox::unlock::SignedEntitlements::parse(saved.as_bytes())
        .unwrap()
        .open(
            &CatalogKey::from_base64(&partner::public_key()).unwrap(),
            None,
            &device_of(state.path()),
        )
        .unwrap();
    assert_eq!(doc.episodes["ceo-secret"], [9, 10].into());
}

/// The device id a box keeps in its state directory.
fn device_of(state: &std::path::Path) -> String {
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.join("device.json")).unwrap()).unwrap();
    v["id"].as_str().unwrap().to_owned()
}

/// The unlock service as the TV runs it, its reports down a channel.
pub(crate) fn service(
    net: &Net,
    state: &std::path::Path,
) -> (
    pillarbox::unlock::service::UnlockService,
    std::sync::mpsc::Receiver<pillarbox::unlock::UnlockReport>,
) {
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let reports: pillarbox::unlock::service::Reports = std::sync::Arc::new(move |r| {
        let _ = tx.lock().unwrap().send(r);
    });
    (
        pillarbox::unlock::service::UnlockService::new(net.clone(), state.to_owned(), reports),
        rx,
    )
}

/// The next report `pick` takes, within 30 s.
pub(crate) fn wait_for<T>(
    rx: &std::sync::mpsc::Receiver<pillarbox::unlock::UnlockReport>,
    mut pick: impl FnMut(&pillarbox::unlock::UnlockReport) -> Option<T>,
) -> T {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let r = rx.recv_timeout(left).expect("a report in time");
        if let Some(t) = pick(&r) {
            return t;
        }
    }
}

#[test]
fn a_purchase_refused_for_coins_goes_through_after_a_top_up_and_a_new_confirmation() {
    use pillarbox::unlock::{Failure, UnlockCommand as C, UnlockReport as R};
    let p = PartnerOverTls::start("unlock-402");
    let (demo, server, state) = (&p.partner, &p.server, &p.state);
    let (mut unlock, rx) = p.connect();
    // Signed in on the phone, nothing bought there.
    assert_eq!(p.pair(&mut unlock, &rx).coins, 120);
    let buy = |unlock: &mut pillarbox::unlock::service::UnlockService, episode| {
        unlock.run(C::Purchase {
            series: "ceo-secret".into(),
            episode,
            price: 49,
        })
    };
    let outcome = |rx: &std::sync::mpsc::Receiver<R>| {
        wait_for(rx, |r| match r {
            R::Purchased { .. } => Some(Ok(())),
            R::PurchaseFailed(f) => Some(Err(f.clone())),
            _ => None,
        })
    };
    for episode in [9, 10] {
        buy(&mut unlock, episode);
        assert_eq!(outcome(&rx), Ok(()));
    }
    // 22 coins left: episode 11 is refused, and the balance fetched again
    // (before the refusal is reported, so the screen shows the server's).
    buy(&mut unlock, 11);
    let mut refreshed = None;
    let refused = wait_for(&rx, |r| match r {
        R::Entitlements { doc: Some(d), .. } => {
            refreshed = Some(d.coins);
            None
        }
        R::PurchaseFailed(f) => Some(f.clone()),
        _ => None,
    });
    assert_eq!(
        refused,
        Failure::NotEnoughCoins {
            balance: 22,
            price: 49
        }
    );
    assert_eq!(refreshed, Some(22));
    // Coins added on the phone; the viewer confirms again: it goes through.
    demo.add_coins(100);
    buy(&mut unlock, 11);
    assert_eq!(outcome(&rx), Ok(()));
    assert_eq!(demo.coins(), 73);
    // The refused attempt and the new one carried keys of their own.
    let keys: Vec<String> = server
        .seen("/purchase")
        .iter()
        .map(|s| s.headers["idempotency-key"].clone())
        .collect();
    assert_eq!(keys.len(), 4);
    assert_ne!(keys[2], keys[3]);
    // Nothing waits for an answer any more.
    let pending = std::fs::read_to_string(state.path().join("purchases.json")).unwrap();
    assert_eq!(pending.trim(), "[]");
}

#[test]
fn a_token_goes_only_to_the_api_that_issued_it() {
    use pillarbox::unlock::UnlockReport as R;
    let p = PartnerOverTls::start("unlock-token");
    let state = &p.state;
    // A token from pairing with another API (a catalog that changed its
    // unlock_api): not sent to this one.
    std::fs::write(
        state.path().join("unlock-token.json"),
        r#"{"token":"t-from-elsewhere","account":"a1","api_url":"https://other.example/unlock/v1/","api_key":"AAAA"}"#,
    )
    .unwrap();
    let (_unlock, rx) = p.connect();
    let paired = wait_for(&rx, |r| match r {
        R::Entitlements { paired, .. } => Some(*paired),
        _ => None,
    });
    assert!(!paired);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        p.server.seen("/entitlements").is_empty(),
        "the token went out"
    );
    assert!(!state.path().join("unlock-token.json").exists());
}

#[test]
fn hostile_answers_are_refused_naming_the_field() {
    let ca = TestCa::new("unlock-hostile");
    let server = TestServer::start_tls_router(&ca, |base| {
        Partner::new(&url::Url::parse(base).unwrap()).router()
    });
    let net = net(&ca);
    let client = UnlockClient::new(net.clone(), &server.url(partner::API_PATH)).unwrap();
    // A verification page on someone else's site, or over plain http from
    // the internet: refused, never shown.
    for (uri, want) in [
        (
            "https://partner.example.evil.com/tv",
            "not on the API's site",
        ),
        ("http://8.8.8.8/tv", "verification_uri"),
        ("javascript:alert(1)", "verification_uri"),
    ] {
        let body = serde_json::json!({
            "device_code": "d", "user_code": "BCDF-GHJK", "verification_uri": uri,
            "expires_in": 600,
        });
        server.fault("/device/code", Fault::Json(body.to_string()), Some(1));
        let e = net
            .block_on(client.device_code("ceo-secret", 9, DEVICE))
            .unwrap_err();
        assert!(e.to_string().contains(want), "{uri}: {e}");
    }
    // Grants: each bad field named.
    for (body, want) in [
        (
            r#"{"url":"https://cdn.example/a.m3u8","expires_in":3}"#,
            "$.expires_in",
        ),
        (r#"{"url":"file:///etc/passwd","expires_in":300}"#, "$.url"),
        (
            r#"{"url":"https://cdn.example/a.m3u8","expires_in":300,"headers":{"Host":"x"}}"#,
            "$.headers",
        ),
        (
            r#"{"url":"https://cdn.example/a.m3u8","expires_in":300,"key_headers":{"X-A":"a\nb"}}"#,
            "$.key_headers",
        ),
        (
            r#"{"url":"https://cdn.example/a.m3u8","expires_in":300,"extra":1}"#,
            "extra",
        ),
        (r#"{"expires_in":300}"#, "url"),
    ] {
        server.fault("/playback", Fault::Json(body.into()), Some(1));
        let e = net
            .block_on(client.playback(Some("t"), "ceo-secret", 9, DEVICE))
            .unwrap_err();
        assert!(e.to_string().contains(want), "{body}: {e}");
    }
    // A long grant is taken as a day.
    server.fault(
        "/playback",
        Fault::Json(r#"{"url":"https://cdn.example/a.m3u8","expires_in":9999999}"#.into()),
        Some(1),
    );
    let g = net
        .block_on(client.playback(Some("t"), "ceo-secret", 9, DEVICE))
        .unwrap();
    assert_eq!(g.expires_in_s, 86_400);
}

/// An envelope signed with the demo partner's key (public: src/demo/keys.rs).
fn demo_signed(payload: &serde_json::Value) -> String {
    use ed25519_dalek::Signer;
    let key = ed25519_dalek::SigningKey::from_bytes(b"pillarbox demo entitlements key!");
    let bytes = serde_json::to_vec(payload).unwrap();
    serde_json::json!({
        "entitlements": STANDARD.encode(&bytes),
        "signature": STANDARD.encode(key.sign(&bytes).to_bytes()),
    })
    .to_string()
}

#[test]
fn an_older_document_cannot_replace_a_newer_one() {
    use pillarbox::unlock::{UnlockCommand as C, UnlockReport as R};
    let p = PartnerOverTls::start("unlock-stale");
    let (server, state, api) = (&p.server, &p.state, &p.api);
    // A box paired with this API (the server's answers are forged below).
    std::fs::write(
        state.path().join("unlock-token.json"),
        serde_json::json!({"token": "t1", "api_url": api.url, "api_key": api.key}).to_string(),
    )
    .unwrap();
    std::fs::write(
        state.path().join("device.json"),
        r#"{"id":"0123456789abcdef"}"#,
    )
    .unwrap();
    let doc = |issued: &str, episodes: &[u32]| {
        demo_signed(&serde_json::json!({
            "format": "pillarbox-entitlements", "account": "a1", "device": "0123456789abcdef",
            "issued": issued, "expires": "2099-01-01T00:00:00Z", "coins": 10,
            "episodes": { "ceo-secret": episodes },
        }))
    };
    server.fault(
        "/entitlements",
        Fault::Json(doc("2026-12-04T10:00:00Z", &[9, 10])),
        Some(1),
    );
    let (mut unlock, rx) = p.connect();
    let newest = |rx: &std::sync::mpsc::Receiver<R>| {
        wait_for(rx, |r| match r {
            R::Entitlements { doc: Some(d), .. } => Some(d.issued.clone()),
            _ => None,
        })
    };
    assert_eq!(newest(&rx), "2026-12-04T10:00:00Z");
    // A purchase answered with a document issued before the one held (a
    // stale answer): refused, the newer document kept.
    server.fault(
        "/purchase",
        Fault::Json(doc("2026-12-01T10:00:00Z", &[])),
        Some(1),
    );
    unlock.run(C::Purchase {
        series: "ceo-secret".into(),
        episode: 11,
        price: 49,
    });
    let failed = wait_for(&rx, |r| match r {
        R::PurchaseFailed(f) => Some(f.clone()),
        R::Entitlements { .. } | R::Purchased { .. } => panic!("stale document taken: {r:?}"),
        _ => None,
    });
    assert!(
        matches!(failed, pillarbox::unlock::Failure::Server(_)),
        "{failed:?}"
    );
    let saved = std::fs::read_to_string(state.path().join("entitlements.json")).unwrap();
    let env = pillarbox::unlock::SignedEntitlements::parse(saved.as_bytes()).unwrap();
    let kept = env
        .open(
            &CatalogKey::from_base64(&partner::public_key()).unwrap(),
            None,
            "0123456789abcdef",
        )
        .unwrap();
    assert_eq!(kept.issued, "2026-12-04T10:00:00Z");
}
