//! Every GStreamer element the code names is installed here (CI installs
//! them with `make deps`): a missing one fails here, not on a box.

#[test]
fn every_element_the_code_names_is_installed() {
    let missing = pillarbox::elements::missing();
    assert!(
        missing.is_empty(),
        "missing GStreamer elements (install their packages): {missing:?}"
    );
}

#[test]
fn a_missing_element_is_named_with_its_package() {
    let err = pillarbox::elements::require("nosuchelement").unwrap_err();
    assert!(err.to_string().contains("nosuchelement"), "{err}");
    assert!(pillarbox::elements::require("textoverlay").is_ok());
}
