fn main() {
    // The UI is compiled only with the TV app (the default feature).
    #[cfg(feature = "tv")]
    slint_build::compile("ui/app.slint").expect("ui/app.slint compiles");
}
