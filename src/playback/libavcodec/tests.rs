use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_audio as gst_audio;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::*;

use super::*;

fn setup() {
    gst::init().unwrap();
    register().expect("libavcodec 59 opens (Debian 12's FFmpeg)");
}

/// Runs `launch` (ending in `appsink name=out`) to its end; returns the
/// samples, or the error the pipeline stopped with.
/// Why a test pipeline stopped short.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Stopped(String);

fn run(launch: &str) -> Result<Vec<gst::Sample>, Stopped> {
    let pipeline = gst::parse::launch(launch)
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
    let sink = pipeline
        .by_name("out")
        .unwrap()
        .downcast::<gst_app::AppSink>()
        .unwrap();
    sink.set_property("sync", false);
    pipeline.set_state(gst::State::Playing).unwrap();
    let mut samples = Vec::new();
    let result = loop {
        match sink.try_pull_sample(gst::ClockTime::from_seconds(20)) {
            Some(s) => samples.push(s),
            None if sink.is_eos() => break Ok(samples),
            None => {
                let bus = pipeline.bus().unwrap();
                let error = bus
                    .pop_filtered(&[gst::MessageType::Error])
                    .map(|m| format!("{m:?}"));
                break Err(Stopped(error.unwrap_or_else(|| "no sample in 20 s".into())));
            }
        }
    };
    let error = pipeline
        .bus()
        .unwrap()
        .pop_filtered(&[gst::MessageType::Error]);
    pipeline.set_state(gst::State::Null).unwrap();
    match error {
        Some(e) => Err(Stopped(format!("{e:?}"))),
        None => result,
    }
}

fn check_red_frames(samples: &[gst::Sample], want: usize, (w, h): (u32, u32)) {
    assert_eq!(samples.len(), want, "every frame decoded");
    let mut last = None;
    for sample in samples {
        let info = gst_video::VideoInfo::from_caps(sample.caps().unwrap()).unwrap();
        assert_eq!((info.width(), info.height()), (w, h));
        assert_eq!(info.format(), gst_video::VideoFormat::I420);
        let buffer = sample.buffer().unwrap();
        // Timestamps come out in presentation order (B-frames reordered).
        let pts = buffer.pts().unwrap();
        assert!(last.is_none_or(|l| pts > l), "{pts} after {last:?}");
        last = Some(pts);
        let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &info).unwrap();
        let (cy, cx) = (h as usize / 4, w as usize / 4);
        let u = frame.plane_data(1).unwrap()[cy * frame.plane_stride()[1] as usize + cx];
        let v = frame.plane_data(2).unwrap()[cy * frame.plane_stride()[2] as usize + cx];
        assert!(u < 110 && v > 200, "red has low U, high V: got U {u} V {v}");
    }
}

#[test]
fn h264_and_h265_decode_in_every_packaging_in_presentation_order() {
    setup();
    let source = "videotestsrc num-buffers=20 pattern=solid-color foreground-color=0xffff0000 \
                  ! video/x-raw,format=I420,width=320,height=180,framerate=25/1";
    for (encoder, parse, format) in [
        (
            "x264enc speed-preset=ultrafast bframes=2 key-int-max=10",
            "h264parse",
            "video/x-h264,stream-format=avc",
        ),
        (
            "x264enc speed-preset=ultrafast bframes=2 key-int-max=10",
            "h264parse",
            "video/x-h264,stream-format=byte-stream",
        ),
        (
            "x265enc speed-preset=ultrafast key-int-max=10",
            "h265parse",
            "video/x-h265,stream-format=hvc1",
        ),
        (
            "x265enc speed-preset=ultrafast key-int-max=10",
            "h265parse",
            "video/x-h265,stream-format=byte-stream",
        ),
    ] {
        let samples = run(&format!(
            "{source} ! {encoder} ! {parse} ! {format},alignment=au ! pillarboxvideodec \
             ! appsink name=out"
        ))
        .unwrap_or_else(|e| panic!("{format}: {e}"));
        check_red_frames(&samples, 20, (320, 180));
    }
}

#[test]
fn aac_decodes_raw_and_adts_to_the_tone_it_was() {
    setup();
    for format in ["raw", "adts"] {
        let samples = run(&format!(
            "audiotestsrc num-buffers=40 samplesperbuffer=1024 freq=1000 volume=0.5 \
             ! audio/x-raw,rate=48000,channels=2 ! avenc_aac ! aacparse \
             ! audio/mpeg,stream-format={format} ! pillarboxaacdec ! appsink name=out"
        ))
        .unwrap_or_else(|e| panic!("{format}: {e}"));
        let info = gst_audio::AudioInfo::from_caps(samples[0].caps().unwrap()).unwrap();
        assert_eq!((info.rate(), info.channels()), (48000, 2), "{format}");
        assert_eq!(info.format(), gst_audio::AudioFormat::F32le);
        let pcm: Vec<f32> = samples
            .iter()
            .flat_map(|s| {
                let map = s.buffer().unwrap().map_readable().unwrap();
                map.chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect::<Vec<_>>()
            })
            .collect();
        let frames = pcm.len() / 2;
        assert!(
            (40 * 1024 - 2048..=40 * 1024 + 2048).contains(&frames),
            "{format}: {frames} samples"
        );
        // A sine of amplitude 0.5: RMS 0.354, away from the edges.
        let middle = &pcm[pcm.len() / 4..pcm.len() * 3 / 4];
        let rms = (middle.iter().map(|s| s * s).sum::<f32>() / middle.len() as f32).sqrt();
        assert!((0.3..0.4).contains(&rms), "{format}: RMS {rms}");
    }
}

#[test]
fn garbage_ends_in_an_error_or_nothing_never_a_crash() {
    setup();
    let mut noise = vec![0u8; 64 * 1024];
    fastrand::Rng::with_seed(7).fill(&mut noise);
    // Start codes among the noise, so that libavcodec parses NAL units.
    for at in (0..noise.len() - 4).step_by(997) {
        noise[at..at + 4].copy_from_slice(&[0, 0, 0, 1]);
    }
    for caps in [
        "video/x-h264,stream-format=byte-stream,alignment=au",
        "video/x-h265,stream-format=byte-stream,alignment=au",
        "audio/mpeg,mpegversion=4,stream-format=adts",
    ] {
        let decoder = if caps.starts_with("video") {
            "pillarboxvideodec max-errors=-1"
        } else {
            "pillarboxaacdec max-errors=-1"
        };
        let pipeline = gst::parse::launch(&format!(
            "appsrc name=in caps={caps} format=time ! {decoder} ! fakesink name=out"
        ))
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
        let src = pipeline
            .by_name("in")
            .unwrap()
            .downcast::<gst_app::AppSrc>()
            .unwrap();
        pipeline.set_state(gst::State::Playing).unwrap();
        for (i, chunk) in noise.chunks(4096).enumerate() {
            let mut buffer = gst::Buffer::from_slice(chunk.to_vec());
            buffer
                .get_mut()
                .unwrap()
                .set_pts(gst::ClockTime::from_mseconds(40 * i as u64));
            let _ = src.push_buffer(buffer);
        }
        let _ = src.end_of_stream();
        let msg = pipeline.bus().unwrap().timed_pop_filtered(
            gst::ClockTime::from_seconds(20),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        );
        assert!(msg.is_some(), "{caps}: the pipeline ends");
        pipeline.set_state(gst::State::Null).unwrap();
    }
}

#[test]
fn our_decoders_come_before_gst_libav_and_after_hardware() {
    setup();
    crate::playback::restrict_registry();
    let best = |caps: &str| {
        let caps: gst::Caps = caps.parse().unwrap();
        gst::ElementFactory::factories_with_type(
            gst::ElementFactoryType::DECODER,
            gst::Rank::MARGINAL,
        )
        .into_iter()
        .filter(|f| f.can_sink_all_caps(&caps))
        .max_by_key(|f| f.rank())
        .map(|f| (f.name().to_string(), f.rank()))
        .unwrap()
    };
    let h264 = "video/x-h264,stream-format=avc,alignment=au,chroma-format=4:2:0,\
                bit-depth-luma=(uint)8,bit-depth-chroma=(uint)8";
    assert_eq!(best(h264), ("pillarboxvideodec".into(), gst::Rank::PRIMARY));
    assert_eq!(
        best("audio/mpeg,mpegversion=4,stream-format=raw").0,
        "pillarboxaacdec"
    );
    // 10-bit goes to gst-libav, which stays as the fallback.
    assert_eq!(
        best("video/x-h265,stream-format=hvc1,alignment=au,chroma-format=4:2:0,bit-depth-luma=(uint)10")
            .0,
        "avdec_h265"
    );
}

/// Every offset and constant written out in `super` against FFmpeg's own
/// headers: a small C program, built here with the installed headers
/// (libavcodec-dev, which `make deps` installs for the tests), prints
/// what `offsetof` and the macros say.
#[test]
fn our_layouts_are_the_installed_headers() {
    let cflags = std::process::Command::new("pkg-config")
        .args(["--cflags", "libavcodec", "libavutil"])
        .output();
    let Some(cflags) = cflags.ok().filter(|o| o.status.success()) else {
        eprintln!("libavcodec-dev is not installed: the layouts are not compared");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("probe.c");
    std::fs::write(
        &source,
        r#"#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#define P(x) printf(#x " %ld\n", (long)(x))
int main(void) {
  P(offsetof(AVFrame, data)); P(offsetof(AVFrame, linesize)); P(offsetof(AVFrame, width));
  P(offsetof(AVFrame, height)); P(offsetof(AVFrame, nb_samples)); P(offsetof(AVFrame, format));
  P(offsetof(AVFrame, pts)); P(offsetof(AVFrame, sample_rate));
  P(offsetof(AVFrame, ch_layout.order)); P(offsetof(AVFrame, ch_layout.nb_channels));
  P(offsetof(AVPacket, pts)); P(offsetof(AVPacket, data));
  P(offsetof(AVCodecContext, extradata)); P(offsetof(AVCodecContext, extradata_size));
  P(AV_INPUT_BUFFER_PADDING_SIZE); P(AVERROR(EAGAIN)); P(AVERROR_EOF); P(AV_LOG_QUIET);
  P(AV_PIX_FMT_YUV420P); P(AV_PIX_FMT_YUVJ420P); P(AV_SAMPLE_FMT_FLT); P(AV_SAMPLE_FMT_FLTP);
  P(AV_CODEC_ID_H264); P(AV_CODEC_ID_HEVC); P(AV_CODEC_ID_AAC);
  P(sizeof(void *));
  return 0;
}
"#,
    )
    .unwrap();
    let exe = dir.path().join("probe");
    let cflags = String::from_utf8_lossy(&cflags.stdout).into_owned();
    let built = std::process::Command::new("cc")
        .arg(&source)
        .args(cflags.split_whitespace())
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let out = std::process::Command::new(&exe).output().unwrap();
    let said: std::collections::HashMap<String, i64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.rsplit_once(' '))
        .map(|(k, v)| (k.to_owned(), v.parse().unwrap()))
        .collect();
    let ours: [(&str, i64); 26] = [
        ("offsetof(AVFrame, data)", FRAME_DATA as i64),
        ("offsetof(AVFrame, linesize)", FRAME_LINESIZE as i64),
        ("offsetof(AVFrame, width)", FRAME_WIDTH as i64),
        ("offsetof(AVFrame, height)", FRAME_HEIGHT as i64),
        ("offsetof(AVFrame, nb_samples)", FRAME_NB_SAMPLES as i64),
        ("offsetof(AVFrame, format)", FRAME_FORMAT as i64),
        ("offsetof(AVFrame, pts)", FRAME_PTS as i64),
        ("offsetof(AVFrame, sample_rate)", FRAME_SAMPLE_RATE as i64),
        ("offsetof(AVFrame, ch_layout.order)", FRAME_CH_ORDER as i64),
        (
            "offsetof(AVFrame, ch_layout.nb_channels)",
            FRAME_NB_CHANNELS as i64,
        ),
        ("offsetof(AVPacket, pts)", PACKET_PTS as i64),
        ("offsetof(AVPacket, data)", PACKET_DATA as i64),
        (
            "offsetof(AVCodecContext, extradata)",
            CONTEXT_EXTRADATA as i64,
        ),
        (
            "offsetof(AVCodecContext, extradata_size)",
            CONTEXT_EXTRADATA_SIZE as i64,
        ),
        ("AV_INPUT_BUFFER_PADDING_SIZE", INPUT_PADDING as i64),
        ("AVERROR(EAGAIN)", AVERROR_EAGAIN as i64),
        ("AVERROR_EOF", AVERROR_EOF as i64),
        ("AV_LOG_QUIET", AV_LOG_QUIET as i64),
        ("AV_PIX_FMT_YUV420P", PIX_FMT_YUV420P as i64),
        ("AV_PIX_FMT_YUVJ420P", PIX_FMT_YUVJ420P as i64),
        ("AV_SAMPLE_FMT_FLT", SAMPLE_FMT_FLT as i64),
        ("AV_SAMPLE_FMT_FLTP", SAMPLE_FMT_FLTP as i64),
        ("AV_CODEC_ID_H264", Codec::H264.id() as i64),
        ("AV_CODEC_ID_HEVC", Codec::Hevc.id() as i64),
        ("AV_CODEC_ID_AAC", Codec::Aac.id() as i64),
        ("sizeof(void *)", 8),
    ];
    for (name, value) in ours {
        assert_eq!(said.get(name), Some(&value), "{name}");
    }
}

#[test]
fn only_the_versions_whose_layouts_are_written_out_load() {
    let v = |major: u32, minor: u32| major << 16 | minor << 8;
    assert!(check_version("libavutil.so.57", v(57, 28), AVUTIL_VERSION).is_ok());
    assert!(check_version("libavutil.so.57", v(57, 40), AVUTIL_VERSION).is_ok());
    // FFmpeg 5.0: the same soname, an AVFrame without ch_layout.
    let e = check_version("libavutil.so.57", v(57, 17), AVUTIL_VERSION).unwrap_err();
    assert!(e.to_string().contains("57.17.0"), "{e}");
    assert!(check_version("libavcodec.so.59", v(59, 18), AVCODEC_VERSION).is_err());
    assert!(check_version("libavcodec.so.59", v(60, 3), AVCODEC_VERSION).is_err());
    // Debian 12's passes the self-test.
    assert!(unavailable().is_none(), "{:?}", unavailable());
}
