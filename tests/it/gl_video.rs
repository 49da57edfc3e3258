//! The GL video path in a real window: an X server in memory (Xvfb), the
//! TV app on winit with the femtovg renderer over Mesa's EGL (llvmpipe, no
//! GPU needed), GStreamer GL uploading the episode into textures the
//! renderer draws. The same episode on the CPU path must look the same:
//! same colours in the same places, so nothing is flipped, swapped or lost.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// An Xvfb server, stopped when dropped.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        let mut child = Command::new("Xvfb")
            .args(["-displayfd", "1", "-screen", "0", "1920x1080x24"])
            .args(["-nolisten", "tcp", "-noreset"])
            // Without GLX, Slint's winit backend renders through EGL, as
            // it does on Wayland and linuxkms (on X11 it prefers GLX).
            .args(["-extension", "GLX"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb runs (make test installs the xvfb package)");
        // With -displayfd, Xvfb picks a free display and prints its number
        // once it accepts clients.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let number = line.trim();
        assert!(!number.is_empty(), "Xvfb did not start");
        Xvfb {
            child,
            display: format!(":{number}"),
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Plays the first demo episode for 2 s in a window on `x`, with `video`
/// as the path; returns the QA report and the window's picture.
fn play_in_window(
    x: &Xvfb,
    video: &str,
    state: &Path,
    cache: &Path,
) -> (serde_json::Value, image::RgbaImage) {
    let shot = state.join(format!("{video}.png"));
    // No Home preview: llvmpipe can take two seconds to the first OK, and
    // OK on a preview goes straight into the episode (one OK too many).
    std::fs::write(
        state.join("settings.json"),
        r#"{"welcomed": true, "previews": false}"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pillarbox"))
        .args([
            "qa",
            "--display",
            "--video",
            video,
            "--board",
            "generic-x86",
        ])
        .args(["home", "key:down", "key:ok", "key:ok", "playing:2000"])
        .arg(format!("shot:{}", shot.display()))
        .arg("--state-dir")
        .arg(state)
        .env("DISPLAY", &x.display)
        .env_remove("WAYLAND_DISPLAY")
        .env("SLINT_BACKEND", "winit-femtovg")
        .env("XDG_CACHE_HOME", cache)
        .env("RUST_LOG", "pillarbox=info")
        .output()
        .expect("pillarbox runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // The status too: a process killed by a signal leaves no message.
    assert!(
        out.status.success(),
        "pillarbox qa --video {video} ({}): {stderr}",
        out.status
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let img = image::open(&shot).unwrap().to_rgba8();
    let _ = std::fs::copy(
        &shot,
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("gl-video-{video}.png")),
    );
    (report, img)
}

/// Mean colour of each cell of a `n`x`n` grid over the 9:16 picture in the
/// middle of `img`.
fn picture_cells(img: &image::RgbaImage, n: u32) -> Vec<[f64; 3]> {
    let (w, h) = img.dimensions();
    let pw = h * 9 / 16;
    let left = (w - pw) / 2;
    let mut cells = Vec::new();
    for cy in 0..n {
        for cx in 0..n {
            let mut sum = [0f64; 3];
            let mut count = 0f64;
            // The inner part of each cell: edges fall on the scaling seam.
            for y in (cy * h / n + h / (4 * n))..((cy + 1) * h / n - h / (4 * n)) {
                for x in
                    (left + cx * pw / n + pw / (4 * n))..(left + (cx + 1) * pw / n - pw / (4 * n))
                {
                    let p = img.get_pixel(x, y).0;
                    for c in 0..3 {
                        sum[c] += p[c] as f64;
                    }
                    count += 1.0;
                }
            }
            cells.push(sum.map(|s| s / count));
        }
    }
    cells
}

#[test]
fn gl_textures_show_the_same_picture_as_the_cpu_copy() {
    let x = Xvfb::start();
    let state_gl = tempfile::tempdir().unwrap();
    let state_cpu = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();

    let (gl, gl_img) = play_in_window(&x, "gl", state_gl.path(), cache.path());
    let (cpu, cpu_img) = play_in_window(&x, "cpu", state_cpu.path(), cache.path());

    // llvmpipe draws a few frames a second; a GPU keeps up with the video.
    assert!(
        gl["gl_frames"].as_u64().unwrap() >= 2,
        "GL path unused: {gl}"
    );
    assert_eq!(cpu["gl_frames"], 0, "{cpu}");
    assert_eq!(gl["screen"], "player", "{gl}");
    assert_eq!(gl_img.dimensions(), cpu_img.dimensions());

    let gl_cells = picture_cells(&gl_img, 4);
    let cpu_cells = picture_cells(&cpu_img, 4);
    // A picture, not a blank: the demo's colour chart varies across cells.
    let spread = |cells: &[[f64; 3]]| {
        let lum: Vec<f64> = cells.iter().map(|c| c[0] + c[1] + c[2]).collect();
        lum.iter().cloned().fold(f64::MIN, f64::max) - lum.iter().cloned().fold(f64::MAX, f64::min)
    };
    assert!(spread(&cpu_cells) > 60.0, "no picture on the CPU path");
    for (i, (g, c)) in gl_cells.iter().zip(&cpu_cells).enumerate() {
        for ch in 0..3 {
            assert!(
                (g[ch] - c[ch]).abs() < 24.0,
                "cell {i} channel {ch}: GL {g:?} vs CPU {c:?} (see target/tmp/gl-video-*.png)"
            );
        }
    }
}
