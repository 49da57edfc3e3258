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
use pillarbox::unlock::client::idempotency_key;
use pillarbox::unlock::{EntitlementError, TokenPoll, UnlockClient, UnlockError};

use crate::common::browser::Chromium;
use crate::common::{Fault, TestCa, TestServer};

fn net(ca: &TestCa) -> Net {
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

/// The phone: a form posted to the verification page.
fn phone(net: &Net, server: &TestServer, user_code: &str, action: &str) -> String {
    let url = url::Url::parse(&server.url(partner::PAGE_PATH)).unwrap();
    let form = [("user_code", user_code), ("action", action)];
    let call = ApiCall {
        url: &url,
        form: Some(&form),
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
    let auth = net.block_on(client.device_code("ceo-secret", 9)).unwrap();
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
    let refused = net.block_on(client.device_code("ceo-secret", 9)).unwrap();
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
    let env = net.block_on(client.entitlements(&token)).unwrap();
    let doc = env.open(&key, None).unwrap();
    assert_eq!(doc.coins, partner::STARTING_COINS - 49);
    assert!(doc.allows("ceo-secret", 9, chrono::Utc::now()));

    // A purchase whose first two attempts meet a 500: retried with the same
    // idempotency key, charged once.
    server.fault("/purchase", Fault::Status(500), Some(2));
    let k10 = idempotency_key(&token, "ceo-secret", 10);
    let env = net
        .block_on(client.purchase(&token, "ceo-secret", 10, 49, &k10))
        .unwrap();
    assert_eq!(env.open(&key, Some("demo-viewer")).unwrap().coins, 22);
    let seen = server.seen("/purchase");
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter()
            .all(|s| s.headers.get("idempotency-key") == Some(&k10))
    );
    // A double press, or a retry after a crash: same key, same answer, no charge.
    let again = net
        .block_on(client.purchase(&token, "ceo-secret", 10, 49, &k10))
        .unwrap();
    assert_eq!(again.open(&key, None).unwrap().coins, 22);
    assert_eq!(demo.coins(), 22);

    // Too few coins: 402 with the balance.
    let k11 = idempotency_key(&token, "ceo-secret", 11);
    let e = net
        .block_on(client.purchase(&token, "ceo-secret", 11, 49, &k11))
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
    let e = net
        .block_on(client.purchase(&token, "ceo-secret", 12, 49, "k12"))
        .unwrap_err();
    assert!(matches!(e, UnlockError::Network(_)), "{e}");
    // One that stalls mid-purchase: the request times out.
    server.fault("/purchase", Fault::Delay(Duration::from_secs(5)), Some(3));
    let e = net
        .block_on(client.purchase(&token, "ceo-secret", 12, 49, "k12"))
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
        let env = net.block_on(client.entitlements(&token));
        let e = match env {
            Ok(env) => UnlockError::from(env.open(&key, None).unwrap_err()),
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
    let e = net.block_on(client.entitlements(&token)).unwrap_err();
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
        )
        .unwrap();
    assert_eq!(doc.episodes["ceo-secret"], [9, 10].into());
}
