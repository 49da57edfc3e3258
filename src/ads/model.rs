//! What a box keeps of a VAST document: ads, inline and wrapper, their
//! linear creatives, media files and trackers, and the IAB error codes it
//! reports. Read by [`super::vast`].

use std::time::Duration;

/// The IAB's VAST error codes a box reports (in `[ERRORCODE]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 100: XML parsing error.
    Xml,
    /// 101: VAST schema validation error.
    Schema,
    /// 102: VAST version of response not supported.
    Version,
    /// 201: the player expected a different linearity (no linear creative).
    Linearity,
    /// 202: the player expected a different duration (too long for the break).
    Duration,
    /// 300: general wrapper error (here: a wrapper chain that loops).
    Wrapper,
    /// 301: timeout of a wrapper's VAST URI, or it could not be fetched.
    WrapperTimeout,
    /// 302: wrapper limit reached.
    WrapperLimit,
    /// 303: no ads in a VAST response after one or more wrappers.
    NoAdAfterWrapper,
    /// 400: general linear error (the player could not play the ad).
    Linear,
    /// 401: media file not found.
    FileNotFound,
    /// 402: timeout of the media file's URI.
    MediaTimeout,
    /// 403: no media file this player supports.
    NoSupportedMedia,
    /// 405: problem displaying the media file.
    MediaProblem,
    /// 409: the interactive unit (SIMID) was not executed.
    InteractiveNotExecuted,
    /// 900: undefined error.
    Undefined,
}

impl ErrorCode {
    pub fn code(self) -> u16 {
        match self {
            ErrorCode::Xml => 100,
            ErrorCode::Schema => 101,
            ErrorCode::Version => 102,
            ErrorCode::Linearity => 201,
            ErrorCode::Duration => 202,
            ErrorCode::Wrapper => 300,
            ErrorCode::WrapperTimeout => 301,
            ErrorCode::WrapperLimit => 302,
            ErrorCode::NoAdAfterWrapper => 303,
            ErrorCode::Linear => 400,
            ErrorCode::FileNotFound => 401,
            ErrorCode::MediaTimeout => 402,
            ErrorCode::NoSupportedMedia => 403,
            ErrorCode::MediaProblem => 405,
            ErrorCode::InteractiveNotExecuted => 409,
            ErrorCode::Undefined => 900,
        }
    }
}

/// Why a VAST document was refused: the error code to report, where in
/// the document, and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("VAST error {}: {at}: {problem}", code.code())]
pub struct VastError {
    pub code: ErrorCode,
    pub at: String,
    pub problem: String,
}

/// A VAST response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vast {
    pub version: String,
    /// In document order. Empty: no fill.
    pub ads: Vec<Ad>,
    /// The document's own `<Error>` URLs (a no-fill response may carry one).
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ad {
    pub id: Option<String>,
    /// Its place in a pod; `None` for a stand-alone ad.
    pub sequence: Option<u32>,
    pub body: AdBody,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdBody {
    InLine(InLine),
    Wrapper(Wrapper),
}

/// What every ad carries, inline or wrapper: where to report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reporting {
    pub impressions: Vec<String>,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InLine {
    pub ad_system: String,
    pub title: String,
    pub reporting: Reporting,
    pub creatives: Vec<Creative>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wrapper {
    pub tag_uri: String,
    pub reporting: Reporting,
    /// Trackers the wrapper adds to the linear creative it leads to.
    pub tracking: Vec<Tracking>,
    pub click_tracking: Vec<String>,
    /// `followAdditionalWrappers="false"`: the next answer must be inline.
    pub follow_additional_wrappers: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Creative {
    pub id: Option<String>,
    pub ad_id: Option<String>,
    /// `<UniversalAdId idRegistry="...">value</UniversalAdId>`.
    pub universal_ad_id: Option<(String, String)>,
    pub sequence: Option<u32>,
    /// `None`: a non-linear or companion creative, which a box does not play.
    pub linear: Option<Linear>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linear {
    pub duration: Duration,
    pub skip_offset: Option<Offset>,
    pub media_files: Vec<MediaFile>,
    pub tracking: Vec<Tracking>,
    pub click_tracking: Vec<String>,
    /// It names an interactive unit (SIMID), which a box does not run.
    pub interactive: bool,
}

/// A point in an ad: a time from its start or a share of its duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offset {
    Time(Duration),
    Percent(u8),
}

impl Offset {
    /// Where the offset falls in an ad of `duration`.
    pub fn within(self, duration: Duration) -> Duration {
        match self {
            Offset::Time(t) => t.min(duration),
            Offset::Percent(p) => duration * u32::from(p) / 100,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Progressive,
    Streaming,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFile {
    pub url: String,
    pub delivery: Delivery,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    /// kbit/s: `bitrate`, else `maxBitrate`.
    pub bitrate: Option<u32>,
    pub codec: Option<String>,
    pub api_framework: Option<String>,
}

/// The events a box reports (VAST 4.1 section 3.14.1's linear events).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Event {
    CreativeView,
    Start,
    FirstQuartile,
    Midpoint,
    ThirdQuartile,
    Complete,
    /// `progress` with its offset.
    Progress,
    Pause,
    Resume,
    Skip,
    /// `closeLinear` (and VAST 2's `close`).
    Close,
    Mute,
    Unmute,
}

impl Event {
    /// The event a `<Tracking event>` names; `None` for events a box
    /// never has (fullscreen, acceptInvitation, ...).
    pub fn named(name: &str) -> Option<Event> {
        Some(match name {
            "creativeView" => Event::CreativeView,
            "start" => Event::Start,
            "firstQuartile" => Event::FirstQuartile,
            "midpoint" => Event::Midpoint,
            "thirdQuartile" => Event::ThirdQuartile,
            "complete" => Event::Complete,
            "progress" => Event::Progress,
            "pause" => Event::Pause,
            "resume" => Event::Resume,
            "skip" => Event::Skip,
            "closeLinear" | "close" => Event::Close,
            "mute" => Event::Mute,
            "unmute" => Event::Unmute,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Event::CreativeView => "creativeView",
            Event::Start => "start",
            Event::FirstQuartile => "firstQuartile",
            Event::Midpoint => "midpoint",
            Event::ThirdQuartile => "thirdQuartile",
            Event::Complete => "complete",
            Event::Progress => "progress",
            Event::Pause => "pause",
            Event::Resume => "resume",
            Event::Skip => "skip",
            Event::Close => "closeLinear",
            Event::Mute => "mute",
            Event::Unmute => "unmute",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracking {
    pub event: Event,
    /// For `progress` only.
    pub offset: Option<Offset>,
    pub url: String,
}
