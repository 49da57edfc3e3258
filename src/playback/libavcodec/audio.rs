//! `pillarboxaacdec`: AAC (raw with its codec data, or ADTS) to
//! interleaved 32-bit float.

use std::sync::{LazyLock, Mutex};

use gstreamer as gst;
use gstreamer::glib;
use gstreamer::subclass::prelude::*;
use gstreamer_audio as gst_audio;
use gstreamer_audio::prelude::*;
use gstreamer_audio::subclass::prelude::*;

use super::{Codec, Decoder, Frame, MAX_CHANNELS, SAMPLE_FMT_FLT, SAMPLE_FMT_FLTP, decoder_pads};

glib::wrapper! {
    pub struct AacDec(ObjectSubclass<imp::AacDec>)
        @extends gst_audio::AudioDecoder, gst::Element, gst::Object;
}

/// Samples in one decoded frame, at most (AAC: 1024, 2048 with SBR; the
/// bound is for hostile streams).
const MAX_SAMPLES: usize = 16384;

mod imp {
    use super::*;

    struct State {
        decoder: Decoder,
        /// The rate and channels negotiated downstream.
        output: Option<(u32, u32)>,
    }

    #[derive(Default)]
    pub struct AacDec {
        state: Mutex<Option<State>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for AacDec {
        const NAME: &'static str = "PillarboxAacDec";
        type Type = super::AacDec;
        type ParentType = gst_audio::AudioDecoder;
    }

    impl ObjectImpl for AacDec {}
    impl GstObjectImpl for AacDec {}

    impl ElementImpl for AacDec {
        fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
            static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
                gst::subclass::ElementMetadata::new(
                    "pillarbox AAC decoder",
                    "Codec/Decoder/Audio",
                    "AAC by libavcodec, without gst-libav's libraries",
                    "pillarbox",
                )
            });
            Some(&*META)
        }

        fn pad_templates() -> &'static [gst::PadTemplate] {
            static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
                let sink = gst::Caps::builder("audio/mpeg")
                    .field("mpegversion", gst::List::new([2i32, 4]))
                    .field("stream-format", gst::List::new(["raw", "adts"]))
                    .build();
                let src = gst_audio::AudioCapsBuilder::new_interleaved()
                    .format(gst_audio::AudioFormat::F32le)
                    .channels_range(1..=MAX_CHANNELS as i32)
                    .build();
                decoder_pads(&sink, &src)
            });
            TEMPLATES.as_ref()
        }
    }

    impl AudioDecoderImpl for AacDec {
        fn stop(&self) -> Result<(), gst::ErrorMessage> {
            *self.state.lock().unwrap_or_else(|e| e.into_inner()) = None;
            Ok(())
        }

        fn set_format(&self, caps: &gst::Caps) -> Result<(), gst::LoggableError> {
            let s = caps
                .structure(0)
                .ok_or_else(|| gst::loggable_error!(crate::playback::CAT, "empty caps"))?;
            let raw = s.get::<&str>("stream-format").ok() != Some("adts");
            let codec_data = s.get::<gst::Buffer>("codec_data").ok();
            if raw && codec_data.is_none() {
                return Err(gst::loggable_error!(
                    crate::playback::CAT,
                    "raw AAC without its codec data"
                ));
            }
            let map = codec_data
                .as_ref()
                .filter(|_| raw)
                .map(|b| b.map_readable())
                .transpose()
                .map_err(|_| {
                    gst::loggable_error!(crate::playback::CAT, "cannot read the codec data")
                })?;
            let decoder = Decoder::new(Codec::Aac, map.as_deref())
                .map_err(|e| gst::loggable_error!(crate::playback::CAT, "{e}"))?;
            *self.state.lock().unwrap_or_else(|e| e.into_inner()) = Some(State {
                decoder,
                output: None,
            });
            Ok(())
        }

        fn handle_frame(
            &self,
            buffer: Option<&gst::Buffer>,
        ) -> Result<gst::FlowSuccess, gst::FlowError> {
            let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let Some(state) = guard.as_mut() else {
                return Err(gst::FlowError::NotNegotiated);
            };
            let obj = self.obj();
            // AAC holds nothing back: a drain request has nothing to give.
            let Some(buffer) = buffer else {
                return Ok(gst::FlowSuccess::Ok);
            };
            let map = buffer.map_readable().map_err(|_| gst::FlowError::Error)?;
            // F32LE, interleaved: the output buffer's bytes, written once.
            let mut pcm = Vec::new();
            let mut format = None;
            let result = state.decoder.send(Some(&map), 0).and_then(|()| {
                while let Some(frame) = state.decoder.receive()? {
                    format = interleave(&frame, &mut pcm).or(format);
                }
                Ok(())
            });
            if let Err(e) = result {
                obj.finish_frame(None, 1)?;
                gst_audio::audio_decoder_error!(obj, 1, gst::StreamError::Decode, ("{e}"))?;
                return Ok(gst::FlowSuccess::Ok);
            }
            let Some((rate, channels)) = format.filter(|_| !pcm.is_empty()) else {
                return obj.finish_frame(None, 1);
            };
            if state.output != Some((rate, channels)) {
                let info =
                    gst_audio::AudioInfo::builder(gst_audio::AudioFormat::F32le, rate, channels)
                        .build()
                        .map_err(|_| gst::FlowError::NotNegotiated)?;
                obj.set_output_format(&info)?;
                obj.negotiate()?;
                state.output = Some((rate, channels));
            }
            obj.finish_frame(Some(gst::Buffer::from_mut_slice(pcm)), 1)
        }

        fn flush(&self, _hard: bool) {
            if let Some(state) = self
                .state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_mut()
            {
                state.decoder.flush();
            }
        }
    }

    /// Appends `frame`'s samples to `out` as interleaved F32LE; returns its
    /// rate and channels, `None` (and appends nothing) for a frame we cannot
    /// take.
    fn interleave(frame: &Frame<'_>, out: &mut Vec<u8>) -> Option<(u32, u32)> {
        let rate = u32::try_from(frame.sample_rate()).ok().filter(|r| *r > 0)?;
        let channels = u32::try_from(frame.channels())
            .ok()
            .filter(|c| (1..=MAX_CHANNELS).contains(c))? as usize;
        let samples = usize::try_from(frame.samples())
            .ok()
            .filter(|n| (1..=MAX_SAMPLES).contains(n))?;
        let float = std::mem::size_of::<f32>();
        match frame.format() {
            SAMPLE_FMT_FLTP => {
                let planes: Vec<&[u8]> = (0..channels)
                    .map(|c| frame.audio_plane(c, samples * float))
                    .collect::<Option<_>>()?;
                out.reserve(samples * channels * float);
                for i in 0..samples {
                    for plane in &planes {
                        let b = &plane[i * float..(i + 1) * float];
                        out.extend(f32::from_ne_bytes([b[0], b[1], b[2], b[3]]).to_le_bytes());
                    }
                }
            }
            SAMPLE_FMT_FLT => {
                let data = frame.audio_plane(0, samples * channels * float)?;
                out.extend(
                    data.chunks_exact(float)
                        .flat_map(|b| f32::from_ne_bytes([b[0], b[1], b[2], b[3]]).to_le_bytes()),
                );
            }
            _ => return None,
        }
        Some((rate, channels as u32))
    }
}
