//! A screenshot against its reference, with a tolerance: a pixel differs
//! when a colour channel is off by more than `channel`; the screens match
//! when no more than `share` of the pixels differ. Used by QA scenarios and
//! the UI tests.

use std::path::{Path, PathBuf};

/// How far a screenshot may be from its reference.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// A pixel differs when a channel is off by more than this (0-255).
    pub channel: u8,
    /// The share of pixels (0 to 1) that may differ.
    pub share: f64,
}

impl Default for Tolerance {
    fn default() -> Tolerance {
        Tolerance {
            channel: 24,
            share: 0.005,
        }
    }
}

/// How a screenshot compared.
#[derive(Debug, Clone)]
pub struct Compared {
    /// The share of pixels that differ, 0 to 1.
    pub share: f64,
    /// Differing pixels in magenta over the screenshot darkened.
    pub diff: image::RgbaImage,
}

/// Why a screenshot does not match its reference.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[error("the screenshot is {}x{}, the reference {}x{}", .actual.0, .actual.1, .expected.0, .expected.1)]
    Size {
        actual: (u32, u32),
        expected: (u32, u32),
    },
    #[error("cannot read reference {}: {reason}", path.display())]
    Reference { path: PathBuf, reason: String },
    #[error("{source} against {}", reference.display())]
    Against {
        reference: PathBuf,
        #[source]
        source: Box<CompareError>,
    },
    #[error("cannot write {}: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
    #[error("{:.2} % of pixels differ from {} (allowed {:.2} %); diff in {}", share * 100.0, reference.display(), allowed * 100.0, diff.display())]
    Differ {
        share: f64,
        allowed: f64,
        reference: PathBuf,
        diff: PathBuf,
    },
}

/// Compares `actual` with `expected`; an error when their sizes differ.
pub fn compare(
    actual: &image::RgbaImage,
    expected: &image::RgbaImage,
    tolerance: Tolerance,
) -> Result<Compared, CompareError> {
    if actual.dimensions() != expected.dimensions() {
        return Err(CompareError::Size {
            actual: actual.dimensions(),
            expected: expected.dimensions(),
        });
    }
    let limit = i32::from(tolerance.channel);
    let mut diff = image::RgbaImage::new(actual.width(), actual.height());
    let mut differing = 0u64;
    for ((a, e), d) in actual
        .pixels()
        .zip(expected.pixels())
        .zip(diff.pixels_mut())
    {
        let off = (0..3).any(|c| (i32::from(a.0[c]) - i32::from(e.0[c])).abs() > limit);
        *d = if off {
            differing += 1;
            image::Rgba([255, 0, 255, 255])
        } else {
            image::Rgba([a.0[0] / 4, a.0[1] / 4, a.0[2] / 4, 255])
        };
    }
    let pixels = (u64::from(actual.width()) * u64::from(actual.height())).max(1);
    Ok(Compared {
        share: differing as f64 / pixels as f64,
        diff,
    })
}

/// Compares `actual` with the PNG at `reference`; when they differ beyond
/// `tolerance`, writes the diff image to `diff_path` and says so.
pub fn against_file(
    actual: &image::RgbaImage,
    reference: &Path,
    tolerance: Tolerance,
    diff_path: &Path,
) -> Result<f64, CompareError> {
    let expected = image::open(reference)
        .map_err(|e| CompareError::Reference {
            path: reference.to_owned(),
            reason: e.to_string(),
        })?
        .to_rgba8();
    let compared = compare(actual, &expected, tolerance).map_err(|e| CompareError::Against {
        reference: reference.to_owned(),
        source: Box::new(e),
    })?;
    if compared.share > tolerance.share {
        compared
            .diff
            .save(diff_path)
            .map_err(|e| CompareError::Write {
                path: diff_path.to_owned(),
                reason: e.to_string(),
            })?;
        return Err(CompareError::Differ {
            share: compared.share,
            allowed: tolerance.share,
            reference: reference.to_owned(),
            diff: diff_path.to_owned(),
        });
    }
    Ok(compared.share)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_off_beyond_the_channel_tolerance_count() {
        let a = image::RgbaImage::from_pixel(10, 10, image::Rgba([100, 100, 100, 255]));
        let mut b = a.clone();
        b.put_pixel(0, 0, image::Rgba([130, 100, 100, 255]));
        b.put_pixel(1, 0, image::Rgba([110, 100, 100, 255]));
        let c = compare(&a, &b, Tolerance::default()).unwrap();
        assert!((c.share - 0.01).abs() < 1e-9, "{}", c.share);
        assert_eq!(c.diff.get_pixel(0, 0).0, [255, 0, 255, 255]);
        let small = image::RgbaImage::new(5, 5);
        assert!(compare(&a, &small, Tolerance::default()).is_err());
    }
}
