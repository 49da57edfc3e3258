//! Spoken UI: what the app core says is spoken with espeak-ng through
//! GStreamer's `espeak` element (Debian's gstreamer1.0-espeak), on the
//! same audio output as the programme, which is lowered meanwhile. A new
//! utterance cuts the one before.
//!
//! Why the GStreamer element rather than libespeak-ng directly: the audio
//! then goes through the same sinks as the episodes (ALSA on a plain box,
//! PulseAudio or PipeWire where they run), with no second audio API to
//! open, and the element is one apt package on every Debian box.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use crate::playback::AudioOutput;
use crate::playback::duck::Duck;

/// The programme's level while the UI speaks.
const DUCKED: f64 = 0.25;

/// The longest text read at once, in characters: a catalog's title is
/// outside input, and espeak-ng need not read a novel.
const MAX_CHARS: usize = 600;

/// One utterance, for QA: its text and how much audio it made.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Spoken {
    pub text: String,
    pub voice: String,
    /// Audio samples produced (headless: decoded and counted, not played).
    pub samples: u64,
}

/// Every utterance of a session (QA).
pub type SpokenLog = Arc<std::sync::Mutex<Vec<Spoken>>>;

/// Why the UI cannot speak.
#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    #[error("GStreamer: {0}")]
    Init(#[from] gst::glib::Error),
    #[error("no GStreamer element {0} (install gstreamer1.0-espeak)")]
    Missing(&'static str),
    #[error("cannot build the speech pipeline: {0}")]
    Pipeline(String),
}

pub struct Speaker {
    output: AudioOutput,
    duck: Duck,
    current: Option<gst::Pipeline>,
    /// Bumped per utterance: a finished one unducks only if it was the last.
    generation: Arc<AtomicU64>,
    /// Every utterance, when a QA run listens.
    log: Option<SpokenLog>,
    warned: bool,
}

/// `text` as espeak-ng is given it: printable characters only (no control
/// codes, no SSML-looking markup reaches it as such: espeak reads it as
/// text), white space folded, at most [`MAX_CHARS`].
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_CHARS * 4));
    let mut space = false;
    let mut count = 0;
    for c in text.chars() {
        if count >= MAX_CHARS {
            break;
        }
        // Bidi marks and isolates (around catalog values in Arabic) say
        // nothing to a voice.
        if matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        {
            continue;
        }
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
            count += 1;
        }
        out.push(c);
        count += 1;
    }
    out
}

/// The espeak-ng voice for a UI language.
pub fn voice(lang: &str) -> &'static str {
    match crate::i18n::ui_language(lang) {
        "zh" => "cmn",
        "es" => "es",
        "sw" => "sw",
        "ar" => "ar",
        _ => "en",
    }
}

impl Speaker {
    /// A speaker on `output` that lowers `duck` while it speaks and notes
    /// every utterance in `log`, if given.
    pub fn new(output: AudioOutput, duck: Duck, log: Option<SpokenLog>) -> Speaker {
        Speaker {
            output,
            duck,
            current: None,
            generation: Arc::new(AtomicU64::new(0)),
            log,
            warned: false,
        }
    }

    /// Says `text` in `lang`'s voice; `rate` in percent of the normal
    /// speed, `volume` in percent. Cuts what was being said.
    pub fn say(&mut self, text: &str, lang: &str, rate: u16, volume: u8) {
        self.stop();
        let voice = voice(lang);
        let text = clean(text);
        if text.is_empty() {
            return;
        }
        match self.start(&text, voice, rate, volume) {
            Ok(pipeline) => self.current = Some(pipeline),
            Err(e) if !self.warned => {
                self.warned = true;
                tracing::warn!(error = %e, "cannot speak; install gstreamer1.0-espeak");
            }
            Err(_) => {}
        }
    }

    pub fn stop(&mut self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(p) = self.current.take() {
            // Wakes the thread that waits for its end.
            if let Some(bus) = p.bus() {
                let _ = bus.post(gst::message::Application::new(gst::Structure::new_empty(
                    "pillarbox-speech-cut",
                )));
            }
            let _ = p.set_state(gst::State::Null);
        }
        self.duck.set(1.0);
    }

    fn start(
        &mut self,
        text: &str,
        voice: &str,
        rate: u16,
        volume: u8,
    ) -> Result<gst::Pipeline, SpeechError> {
        gst::init()?;
        let make = |name: &'static str| {
            gst::ElementFactory::make(name)
                .build()
                .map_err(|_| SpeechError::Missing(name))
        };
        let espeak = make("espeak")?;
        espeak.set_property("text", text);
        espeak.set_property("voice", voice);
        // espeak's rate is relative: -100..100 % of its normal speed.
        espeak.set_property("rate", (rate as i32 - 100).clamp(-100, 100));
        let gain = make("volume")?;
        gain.set_property("volume", volume as f64 / 100.0);
        let log = self.log.clone();
        let sink = match (self.output, log) {
            (AudioOutput::Default, _) => make("autoaudiosink")?,
            (AudioOutput::Discard, None) => {
                let sink = make("fakesink")?;
                sink.set_property("sync", false);
                sink
            }
            (AudioOutput::Discard, Some(log)) => {
                let index = log.lock().map(|l| l.len()).unwrap_or(0);
                // Headless: the samples are counted (QA checks speech was made).
                let sink = gst_app::AppSink::builder().sync(false).build();
                sink.set_callbacks(
                    gst_app::AppSinkCallbacks::builder()
                        .new_sample(move |s| {
                            let sample = s.pull_sample().map_err(|_| gst::FlowError::Eos)?;
                            let bytes = sample.buffer().map_or(0, |b| b.size() as u64);
                            if let Ok(mut l) = log.lock()
                                && let Some(entry) = l.get_mut(index)
                            {
                                // S16 mono from espeak, converted to F32 at most.
                                entry.samples += bytes / 2;
                            }
                            Ok(gst::FlowSuccess::Ok)
                        })
                        .build(),
                );
                sink.upcast()
            }
        };
        let pipeline = gst::Pipeline::with_name("pillarbox-speech");
        let chain = [
            espeak,
            make("audioconvert")?,
            gain,
            make("audioresample")?,
            sink,
        ];
        let failed = |e: gst::glib::BoolError| SpeechError::Pipeline(e.to_string());
        pipeline.add_many(&chain).map_err(failed)?;
        gst::Element::link_many(&chain).map_err(failed)?;
        if let Some(Ok(mut l)) = self.log.as_ref().map(|l| l.lock())
            && l.len() < 10_000
        {
            l.push(Spoken {
                text: text.to_owned(),
                voice: voice.to_owned(),
                samples: 0,
            });
        }
        self.duck.set(DUCKED);
        // Back to full level when this utterance ends, unless another
        // started meanwhile.
        let bus = pipeline
            .bus()
            .ok_or_else(|| SpeechError::Pipeline("no bus".into()))?;
        let generation = self.generation.clone();
        let mine = generation.load(Ordering::SeqCst);
        let duck = self.duck.clone();
        let watched = pipeline.downgrade();
        std::thread::Builder::new()
            .name("pillarbox-speech".into())
            .spawn(move || {
                let _ = bus.timed_pop_filtered(
                    gst::ClockTime::from_seconds(60),
                    &[
                        gst::MessageType::Eos,
                        gst::MessageType::Error,
                        gst::MessageType::Application,
                    ],
                );
                if generation.load(Ordering::SeqCst) == mine {
                    duck.set(1.0);
                    if let Some(p) = watched.upgrade() {
                        let _ = p.set_state(gst::State::Null);
                    }
                }
            })
            .map_err(|e| SpeechError::Pipeline(e.to_string()))?;
        pipeline
            .set_state(gst::State::Playing)
            .map_err(|e| SpeechError::Pipeline(format!("cannot start: {e}")))?;
        Ok(pipeline)
    }
}

impl Drop for Speaker {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_for_espeak_is_printable_and_capped() {
        assert_eq!(super::clean("  a\u{7}b\n\tc  "), "a b c");
        assert_eq!(super::clean("\u{1b}[31m"), "[31m");
        assert_eq!(
            super::clean(&"x".repeat(5000)).chars().count(),
            super::MAX_CHARS
        );
        assert_eq!(super::clean("\u{0}\u{1}"), "");
        assert_eq!(super::clean("a \u{2068}The CEO\u{2069}"), "a The CEO");
    }
}
