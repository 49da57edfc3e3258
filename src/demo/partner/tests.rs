//! The demo partner's tests.

use super::*;

#[test]
fn user_codes_are_read_loosely() {
    assert_eq!(normal_user_code("bcdf-ghjk"), "BCDF-GHJK");
    assert_eq!(normal_user_code("BCDF GHJK"), "BCDF-GHJK");
    assert_eq!(normal_user_code("<script>"), "SCRIPT");
}

#[test]
fn page_text_is_escaped() {
    assert_eq!(
        escape("<b>\"x\" & 'y'"),
        "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;"
    );
}

#[test]
fn the_demo_key_opens_what_the_partner_signs() {
    let p = Partner::new(&Url::parse("http://127.0.0.1:1/").unwrap());
    let key = crate::catalog::verify::CatalogKey::from_base64(&public_key()).unwrap();
    let doc = p
        .signed(&p.lock().account, "d1")
        .open(&key, Some(ACCOUNT), "d1")
        .unwrap();
    assert_eq!(doc.coins, STARTING_COINS);
}
