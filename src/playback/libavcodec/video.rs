//! `pillarboxvideodec`: H.264 and H.265, 8-bit 4:2:0, to I420.

use std::sync::{LazyLock, Mutex};

use gstreamer as gst;
use gstreamer::glib;
use gstreamer::subclass::prelude::*;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::*;
use gstreamer_video::subclass::prelude::*;

use super::{Codec, Decoder, MAX_SIDE, PIX_FMT_YUV420P, PIX_FMT_YUVJ420P, decoder_pads};

glib::wrapper! {
    pub struct VideoDec(ObjectSubclass<imp::VideoDec>)
        @extends gst_video::VideoDecoder, gst::Element, gst::Object;
}

/// Frames waiting for their picture beyond this many are given up (a
/// stream whose packets decode to nothing must not hold them forever).
const MAX_PENDING: u32 = 64;

mod imp {
    use super::*;

    struct State {
        decoder: Decoder,
        codec: Codec,
        input: gst_video::VideoCodecState<'static, gst_video::video_codec_state::Readable>,
        /// The size negotiated downstream.
        output: Option<(u32, u32)>,
    }

    #[derive(Default)]
    pub struct VideoDec {
        state: Mutex<Option<State>>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for VideoDec {
        const NAME: &'static str = "PillarboxVideoDec";
        type Type = super::VideoDec;
        type ParentType = gst_video::VideoDecoder;
    }

    impl ObjectImpl for VideoDec {}
    impl GstObjectImpl for VideoDec {}

    impl ElementImpl for VideoDec {
        fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
            static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
                gst::subclass::ElementMetadata::new(
                    "pillarbox H.264/H.265 decoder",
                    "Codec/Decoder/Video",
                    "H.264 and H.265 by libavcodec, without gst-libav's libraries",
                    "pillarbox",
                )
            });
            Some(&*META)
        }

        fn pad_templates() -> &'static [gst::PadTemplate] {
            static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
                let coded = |name: &str, formats: [&str; 3]| {
                    gst::Structure::builder(name)
                        .field("stream-format", gst::List::new(formats))
                        .field("alignment", "au")
                        .field("chroma-format", "4:2:0")
                        .field("bit-depth-luma", 8u32)
                        .field("bit-depth-chroma", 8u32)
                        .build()
                };
                let sink = gst::Caps::from_iter([
                    coded("video/x-h264", ["avc", "avc3", "byte-stream"]),
                    coded("video/x-h265", ["hvc1", "hev1", "byte-stream"]),
                ]);
                let src = gst_video::VideoCapsBuilder::new()
                    .format(gst_video::VideoFormat::I420)
                    .build();
                decoder_pads(&sink, &src)
            });
            TEMPLATES.as_ref()
        }
    }

    impl VideoDecoderImpl for VideoDec {
        fn stop(&self) -> Result<(), gst::ErrorMessage> {
            *self.state.lock().unwrap_or_else(|e| e.into_inner()) = None;
            Ok(())
        }

        fn set_format(
            &self,
            input: &gst_video::VideoCodecState<'static, gst_video::video_codec_state::Readable>,
        ) -> Result<(), gst::LoggableError> {
            let caps = input
                .caps()
                .ok_or_else(|| gst::loggable_error!(crate::playback::CAT, "no caps"))?;
            let s = caps
                .structure(0)
                .ok_or_else(|| gst::loggable_error!(crate::playback::CAT, "empty caps"))?;
            let codec = match s.name().as_str() {
                "video/x-h264" => Codec::H264,
                "video/x-h265" => Codec::Hevc,
                other => {
                    return Err(gst::loggable_error!(
                        crate::playback::CAT,
                        "not ours: {other}"
                    ));
                }
            };
            let codec_data = s.get::<gst::Buffer>("codec_data").ok();
            let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
            // The same codec in the same packaging keeps its decoder: a
            // rendition switch brings its parameter sets in band.
            if let Some(state) = guard.as_mut()
                && state.codec == codec
                && codec_data.is_none()
            {
                state.input = input.clone();
                return Ok(());
            }
            if let Some(mut old) = guard.take() {
                let _ = self.drain_decoder(&mut old);
            }
            let map = codec_data
                .as_ref()
                .map(|b| b.map_readable())
                .transpose()
                .map_err(|_| {
                    gst::loggable_error!(crate::playback::CAT, "cannot read the codec data")
                })?;
            let decoder = Decoder::new(codec, map.as_deref())
                .map_err(|e| gst::loggable_error!(crate::playback::CAT, "{e}"))?;
            *guard = Some(State {
                decoder,
                codec,
                input: input.clone(),
                output: None,
            });
            Ok(())
        }

        fn handle_frame(
            &self,
            frame: gst_video::VideoCodecFrame,
        ) -> Result<gst::FlowSuccess, gst::FlowError> {
            let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let Some(state) = guard.as_mut() else {
                return Err(gst::FlowError::NotNegotiated);
            };
            let number = frame.system_frame_number();
            let input = frame.input_buffer_owned().ok_or(gst::FlowError::Error)?;
            let map = input.map_readable().map_err(|_| gst::FlowError::Error)?;
            if let Err(e) = state.decoder.send(Some(&map), i64::from(number)) {
                // A corrupt packet: the frame goes, the stream goes on (up
                // to the base class's error budget).
                self.obj().release_frame(frame);
                gst_video::video_decoder_error!(self.obj(), 1, gst::StreamError::Decode, ("{e}"))?;
                return Ok(gst::FlowSuccess::Ok);
            }
            drop(frame);
            let result = self.output(state);
            self.give_up_stale(number);
            result
        }

        fn drain(&self) -> Result<gst::FlowSuccess, gst::FlowError> {
            let mut guard = self.state.lock().unwrap_or_else(|e| e.into_inner());
            match guard.as_mut() {
                Some(state) => self.drain_decoder(state),
                None => Ok(gst::FlowSuccess::Ok),
            }
        }

        fn finish(&self) -> Result<gst::FlowSuccess, gst::FlowError> {
            VideoDecoderImpl::drain(self)
        }

        fn flush(&self) -> bool {
            if let Some(state) = self
                .state
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_mut()
            {
                state.decoder.flush();
            }
            true
        }
    }

    impl VideoDec {
        /// Every frame held back, out; then the decoder takes input again.
        fn drain_decoder(&self, state: &mut State) -> Result<gst::FlowSuccess, gst::FlowError> {
            let result = match state.decoder.send(None, 0) {
                Ok(()) => self.output(state),
                Err(e) => {
                    gst::warning!(crate::playback::CAT, imp = self, "draining: {e}");
                    Ok(gst::FlowSuccess::Ok)
                }
            };
            state.decoder.flush();
            result
        }

        /// Pushes every frame the decoder has ready.
        fn output(&self, state: &mut State) -> Result<gst::FlowSuccess, gst::FlowError> {
            let obj = self.obj();
            loop {
                let picture = match state.decoder.receive() {
                    Ok(Some(p)) => p,
                    Ok(None) => return Ok(gst::FlowSuccess::Ok),
                    Err(e) => {
                        gst_video::video_decoder_error!(obj, 1, gst::StreamError::Decode, ("{e}"))?;
                        return Ok(gst::FlowSuccess::Ok);
                    }
                };
                let Some(mut frame) = u32::try_from(picture.tag())
                    .ok()
                    .and_then(|n| obj.frame(n as i32))
                else {
                    continue;
                };
                let (w, h) = (picture.width(), picture.height());
                let size = u32::try_from(w).ok().zip(u32::try_from(h).ok());
                let Some((w, h)) = size
                    .filter(|&(w, h)| (1..=MAX_SIDE).contains(&w) && (1..=MAX_SIDE).contains(&h))
                else {
                    obj.release_frame(frame);
                    gst_video::video_decoder_error!(
                        obj,
                        1,
                        gst::StreamError::Decode,
                        ("a picture of {w}x{h}")
                    )?;
                    continue;
                };
                if !matches!(picture.format(), PIX_FMT_YUV420P | PIX_FMT_YUVJ420P) {
                    obj.release_frame(frame);
                    return Err(gst::FlowError::NotSupported);
                }
                if state.output != Some((w, h)) {
                    let out = obj.set_output_state(
                        gst_video::VideoFormat::I420,
                        w,
                        h,
                        Some(&state.input),
                    )?;
                    obj.negotiate(out)?;
                    state.output = Some((w, h));
                }
                let info = obj
                    .output_state()
                    .ok_or(gst::FlowError::NotNegotiated)?
                    .info()
                    .clone();
                obj.allocate_output_frame(&mut frame, None)?;
                let buffer = frame.output_buffer_mut().ok_or(gst::FlowError::Error)?;
                let mut out = gst_video::VideoFrameRef::from_buffer_ref_writable(buffer, &info)
                    .map_err(|_| gst::FlowError::Error)?;
                let (w, h) = (w as usize, h as usize);
                for p in 0..3 {
                    let (pw, ph) = if p == 0 {
                        (w, h)
                    } else {
                        (w.div_ceil(2), h.div_ceil(2))
                    };
                    let Some((src, src_stride)) = picture.plane(p, ph, pw) else {
                        return Err(gst::FlowError::Error);
                    };
                    let dst_stride = out.plane_stride()[p] as usize;
                    let dst = out
                        .plane_data_mut(p as u32)
                        .map_err(|_| gst::FlowError::Error)?;
                    for row in 0..ph {
                        let from = &src[row * src_stride..row * src_stride + pw];
                        dst[row * dst_stride..row * dst_stride + pw].copy_from_slice(from);
                    }
                }
                drop(out);
                obj.finish_frame(frame)?;
            }
        }

        /// Lets go of frames far older than `newest` that never decoded.
        fn give_up_stale(&self, newest: u32) {
            let obj = self.obj();
            for frame in obj.frames() {
                if frame.system_frame_number() + MAX_PENDING < newest {
                    obj.release_frame(frame);
                }
            }
        }
    }
}
