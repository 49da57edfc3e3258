//! H.264, H.265 and AAC decoded by libavcodec called directly, through
//! GStreamer decoders of our own (`pillarboxvideodec`, `pillarboxaacdec`)
//! ranked above gst-libav's, which stay behind them for everything else.
//!
//! Why not gst-libav: its one plugin links libavfilter and libavformat as
//! well, and with them some 130 libraries (text-to-speech voices, SVG,
//! x265, BLAS, ...): about 36 MiB resident in every process that plays,
//! of which libavcodec and its own libraries are 16. On a box that decodes
//! in hardware neither is loaded.
//!
//! libavcodec is opened at run time (no link-time FFmpeg dependency, and
//! cross builds need no FFmpeg for the target), and only the ABI whose
//! struct layouts are written below: FFmpeg 5.1 (libavcodec 59.37+,
//! libavutil 57.28+, Debian 12) on a 64-bit target (x86_64, aarch64).
//! FFmpeg 5.0 has the same sonames but another AVFrame (no `ch_layout`):
//! the versions are checked, and at load a self-test writes and reads
//! fields through our offsets on a frame libavutil allocated. With any
//! other FFmpeg, or a self-test that fails, gst-libav decodes as before
//! (`pillarbox probe` says why).

mod audio;
mod video;

use std::ffi::{CStr, c_char, c_int, c_void};
use std::sync::OnceLock;

use gstreamer as gst;
use gstreamer::prelude::*;
use libloading::Library;

pub use audio::AacDec;
pub use video::VideoDec;

/// The libraries, by soname: the layouts below are theirs.
const AVCODEC: &str = "libavcodec.so.59";
const AVUTIL: &str = "libavutil.so.57";
/// The versions whose layouts are written out (major, least minor):
/// FFmpeg 5.1's, up to the next major.
const AVCODEC_VERSION: (u32, u32) = (59, 37);
const AVUTIL_VERSION: (u32, u32) = (57, 28);

// AVFrame (libavutil 57): byte offsets of the fields read.
const FRAME_DATA: usize = 0;
const FRAME_LINESIZE: usize = 64;
const FRAME_WIDTH: usize = 104;
const FRAME_HEIGHT: usize = 108;
const FRAME_NB_SAMPLES: usize = 112;
const FRAME_FORMAT: usize = 116;
const FRAME_PTS: usize = 136;
const FRAME_SAMPLE_RATE: usize = 208;
/// `ch_layout.order` and `ch_layout.nb_channels` (AVChannelLayout at 448).
const FRAME_CH_ORDER: usize = 448;
const FRAME_NB_CHANNELS: usize = 452;
// AVPacket (libavcodec 59).
const PACKET_PTS: usize = 8;
const PACKET_DATA: usize = 24;
// AVCodecContext (libavcodec 59).
const CONTEXT_EXTRADATA: usize = 88;
/// The most pixels a picture may have: libavcodec refuses a larger one
/// before it allocates (a hostile SPS), as our own check does after.
const MAX_PIXELS: &CStr = c"67108864";
const CONTEXT_EXTRADATA_SIZE: usize = 96;
const INPUT_PADDING: usize = 64;

const AVERROR_EAGAIN: c_int = -11;
const AVERROR_EOF: c_int = -0x2046_4F45; // FFERRTAG('E','O','F',' ')
const AV_LOG_QUIET: c_int = -8;

/// Pixel and sample formats we take (AVPixelFormat, AVSampleFormat).
pub(crate) const PIX_FMT_YUV420P: c_int = 0;
pub(crate) const PIX_FMT_YUVJ420P: c_int = 12;
pub(crate) const SAMPLE_FMT_FLT: c_int = 3;
pub(crate) const SAMPLE_FMT_FLTP: c_int = 8;

/// Bounds on what a stream may declare.
const MAX_EXTRADATA: usize = 1 << 20;
const MAX_PACKET: usize = 64 << 20;
pub(crate) const MAX_SIDE: u32 = 8192;
pub(crate) const MAX_CHANNELS: u32 = 8;

/// The codecs decoded here (AVCodecID).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    H264,
    Hevc,
    Aac,
}

impl Codec {
    fn id(self) -> c_int {
        match self {
            Codec::H264 => 27,
            Codec::Hevc => 173,
            Codec::Aac => 0x15002,
        }
    }
}

type Ptr = *mut c_void;

/// The functions used, resolved once.
struct Lib {
    find_decoder: unsafe extern "C" fn(c_int) -> *const c_void,
    alloc_context: unsafe extern "C" fn(*const c_void) -> Ptr,
    open: unsafe extern "C" fn(Ptr, *const c_void, *mut Ptr) -> c_int,
    free_context: unsafe extern "C" fn(*mut Ptr),
    send_packet: unsafe extern "C" fn(Ptr, Ptr) -> c_int,
    receive_frame: unsafe extern "C" fn(Ptr, Ptr) -> c_int,
    flush_buffers: unsafe extern "C" fn(Ptr),
    packet_alloc: unsafe extern "C" fn() -> Ptr,
    packet_free: unsafe extern "C" fn(*mut Ptr),
    new_packet: unsafe extern "C" fn(Ptr, c_int) -> c_int,
    packet_unref: unsafe extern "C" fn(Ptr),
    frame_alloc: unsafe extern "C" fn() -> Ptr,
    frame_free: unsafe extern "C" fn(*mut Ptr),
    mallocz: unsafe extern "C" fn(usize) -> Ptr,
    opt_set: unsafe extern "C" fn(Ptr, *const c_char, *const c_char, c_int) -> c_int,
    strerror: unsafe extern "C" fn(c_int, *mut c_char, usize) -> c_int,
    frame_get_buffer: unsafe extern "C" fn(Ptr, c_int) -> c_int,
    // Kept open for the process's life: the functions above point into them.
    _avcodec: Library,
    _avutil: Library,
}

/// What the load-time self-test of our struct layouts found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SelfTestError {
    #[error("av_frame_alloc failed")]
    Alloc,
    #[error("{what}: av_frame_get_buffer: {reason}")]
    Buffer { what: &'static str, reason: String },
    #[error("{what} read back with {planes} planes and rows of {linesize} bytes")]
    ReadBack {
        what: &'static str,
        planes: usize,
        linesize: i32,
    },
}

/// Why our decoders are not used (gst-libav's are, then).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoadError {
    #[error("the struct layouts written out here are those of 64-bit targets")]
    Not64Bit,
    #[error("{library}: {reason}")]
    Open {
        library: &'static str,
        reason: String,
    },
    #[error("{symbol}: {reason}")]
    Symbol {
        symbol: &'static str,
        reason: String,
    },
    #[error(
        "{library} {found} is not the version whose layouts pillarbox knows \
         ({wanted} or a later {wanted_major}.x)"
    )]
    Version {
        library: &'static str,
        found: String,
        wanted: String,
        wanted_major: u32,
    },
    #[error("self-test of the struct layouts failed: {0}")]
    SelfTest(#[from] SelfTestError),
    #[error("cannot register {element}: {reason}")]
    Register {
        element: &'static str,
        reason: String,
    },
}

impl Lib {
    fn open() -> Result<Lib, LoadError> {
        if cfg!(not(target_pointer_width = "64")) {
            return Err(LoadError::Not64Bit);
        }
        // SAFETY: loading FFmpeg runs its initialisers, which are safe to
        // run in any process; each symbol's type is its C prototype.
        unsafe {
            let open = |library: &'static str| {
                Library::new(library).map_err(|e| LoadError::Open {
                    library,
                    reason: e.to_string(),
                })
            };
            let avutil = open(AVUTIL)?;
            let avcodec = open(AVCODEC)?;
            macro_rules! sym {
                ($lib:expr, $name:literal) => {
                    *$lib
                        .get(concat!($name, "\0").as_bytes())
                        .map_err(|e| LoadError::Symbol {
                            symbol: $name,
                            reason: e.to_string(),
                        })?
                };
            }
            let avutil_version: unsafe extern "C" fn() -> u32 = sym!(avutil, "avutil_version");
            let avcodec_version: unsafe extern "C" fn() -> u32 = sym!(avcodec, "avcodec_version");
            check_version(AVUTIL, avutil_version(), AVUTIL_VERSION)?;
            check_version(AVCODEC, avcodec_version(), AVCODEC_VERSION)?;
            let set_log_level: unsafe extern "C" fn(c_int) = sym!(avutil, "av_log_set_level");
            // Corrupt input is reported through our errors, not on stderr.
            set_log_level(AV_LOG_QUIET);
            let lib = Lib {
                find_decoder: sym!(avcodec, "avcodec_find_decoder"),
                alloc_context: sym!(avcodec, "avcodec_alloc_context3"),
                open: sym!(avcodec, "avcodec_open2"),
                free_context: sym!(avcodec, "avcodec_free_context"),
                send_packet: sym!(avcodec, "avcodec_send_packet"),
                receive_frame: sym!(avcodec, "avcodec_receive_frame"),
                flush_buffers: sym!(avcodec, "avcodec_flush_buffers"),
                packet_alloc: sym!(avcodec, "av_packet_alloc"),
                packet_free: sym!(avcodec, "av_packet_free"),
                new_packet: sym!(avcodec, "av_new_packet"),
                packet_unref: sym!(avcodec, "av_packet_unref"),
                frame_alloc: sym!(avutil, "av_frame_alloc"),
                frame_free: sym!(avutil, "av_frame_free"),
                mallocz: sym!(avutil, "av_mallocz"),
                opt_set: sym!(avutil, "av_opt_set"),
                strerror: sym!(avutil, "av_strerror"),
                frame_get_buffer: sym!(avutil, "av_frame_get_buffer"),
                _avcodec: avcodec,
                _avutil: avutil,
            };
            lib.self_test()?;
            Ok(lib)
        }
    }

    /// Writes fields through our offsets on frames libavutil allocates
    /// buffers for, and reads back what it did: a layout that is not the
    /// library's shows (wrong sizes, planes where there are none, an error)
    /// before a real frame is read through it.
    fn self_test(&self) -> Result<(), SelfTestError> {
        struct Owned<'a>(&'a Lib, Ptr);
        impl Drop for Owned<'_> {
            fn drop(&mut self) {
                // SAFETY: a frame from av_frame_alloc, freed once.
                unsafe { (self.0.frame_free)(&mut self.1) }
            }
        }
        let write = |frame: Ptr, offset: usize, value: c_int| {
            // SAFETY: inside AVFrame (allocated by libavutil, larger than
            // every offset written here) if the layout is right; the
            // self-test exists to find out.
            unsafe { ((frame as *mut u8).add(offset) as *mut c_int).write_unaligned(value) }
        };
        let read_ptr = |frame: Ptr, i: usize| -> *const u8 {
            // SAFETY: as `write`.
            unsafe {
                ((frame as *const u8).add(FRAME_DATA + i * 8) as *const *const u8).read_unaligned()
            }
        };
        let read_int = |frame: Ptr, offset: usize| -> c_int {
            // SAFETY: as `write`.
            unsafe { ((frame as *const u8).add(offset) as *const c_int).read_unaligned() }
        };
        // A 64x32 YUV 4:2:0 picture: three planes, rows at least 64 bytes.
        // SAFETY: av_frame_alloc has no preconditions.
        let video = Owned(self, unsafe { (self.frame_alloc)() });
        if video.1.is_null() {
            return Err(SelfTestError::Alloc);
        }
        write(video.1, FRAME_WIDTH, 64);
        write(video.1, FRAME_HEIGHT, 32);
        write(video.1, FRAME_FORMAT, PIX_FMT_YUV420P);
        // SAFETY: a frame with its format and size set, as documented.
        let code = unsafe { (self.frame_get_buffer)(video.1, 0) };
        if code < 0 {
            return Err(SelfTestError::Buffer {
                what: "a 64x32 picture",
                reason: self.error(code),
            });
        }
        let planes = (0..4).filter(|&i| !read_ptr(video.1, i).is_null()).count();
        let linesize = read_int(video.1, FRAME_LINESIZE);
        if planes != 3 || linesize < 64 {
            return Err(SelfTestError::ReadBack {
                what: "a 64x32 picture",
                planes,
                linesize,
            });
        }
        // 1024 samples of stereo float planar audio: two planes, each at
        // least 4096 bytes.
        // SAFETY: as above.
        let audio = Owned(self, unsafe { (self.frame_alloc)() });
        if audio.1.is_null() {
            return Err(SelfTestError::Alloc);
        }
        write(audio.1, FRAME_NB_SAMPLES, 1024);
        write(audio.1, FRAME_FORMAT, SAMPLE_FMT_FLTP);
        write(audio.1, FRAME_CH_ORDER, 0);
        write(audio.1, FRAME_NB_CHANNELS, 2);
        // SAFETY: as above.
        let code = unsafe { (self.frame_get_buffer)(audio.1, 0) };
        if code < 0 {
            return Err(SelfTestError::Buffer {
                what: "1024 stereo samples",
                reason: self.error(code),
            });
        }
        let planes = (0..4).filter(|&i| !read_ptr(audio.1, i).is_null()).count();
        let linesize = read_int(audio.1, FRAME_LINESIZE);
        if planes != 2 || linesize < 4096 || read_int(audio.1, FRAME_NB_CHANNELS) != 2 {
            return Err(SelfTestError::ReadBack {
                what: "1024 stereo samples",
                planes,
                linesize,
            });
        }
        Ok(())
    }

    fn error(&self, code: c_int) -> String {
        let mut buf = [0 as c_char; 128];
        // SAFETY: av_strerror writes at most `len` bytes, NUL-terminated.
        unsafe {
            (self.strerror)(code, buf.as_mut_ptr(), buf.len());
            CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned()
        }
    }
}

/// `version` (`AV_VERSION_INT`: major, minor, micro bytes) is `wanted`'s
/// major, at least its minor.
fn check_version(library: &'static str, version: u32, wanted: (u32, u32)) -> Result<(), LoadError> {
    let (major, minor, micro) = (version >> 16, (version >> 8) & 0xff, version & 0xff);
    if major == wanted.0 && minor >= wanted.1 {
        return Ok(());
    }
    Err(LoadError::Version {
        library,
        found: format!("{major}.{minor}.{micro}"),
        wanted: format!("{}.{}", wanted.0, wanted.1),
        wanted_major: wanted.0,
    })
}

/// Why our decoders are not used, if they are not (for `probe`).
pub fn unavailable() -> Option<&'static LoadError> {
    lib().err()
}

fn lib() -> Result<&'static Lib, &'static LoadError> {
    static LIB: OnceLock<Result<Lib, LoadError>> = OnceLock::new();
    LIB.get_or_init(Lib::open).as_ref()
}

/// Registers our decoders when libavcodec opens, and puts gst-libav's
/// decoders of the same codecs behind them (hardware decoders, ranked
/// higher, still come first). Returns why not, when not. Once per process.
pub fn register() -> Result<(), &'static LoadError> {
    static DONE: OnceLock<Result<(), LoadError>> = OnceLock::new();
    DONE.get_or_init(|| {
        lib().map_err(Clone::clone)?;
        let register = |element: &'static str, kind| {
            gst::Element::register(None, element, gst::Rank::PRIMARY, kind).map_err(|e| {
                LoadError::Register {
                    element,
                    reason: e.to_string(),
                }
            })
        };
        register("pillarboxvideodec", VideoDec::static_type())?;
        register("pillarboxaacdec", AacDec::static_type())?;
        // Every gst-libav decoder that would take a stream of ours
        // (avdec_aac_fixed as well as avdec_aac).
        let ours: Vec<gst::Caps> = ["pillarboxvideodec", "pillarboxaacdec"]
            .into_iter()
            .filter_map(gst::ElementFactory::find)
            .flat_map(|f| f.static_pad_templates())
            .filter(|t| t.direction() == gst::PadDirection::Sink)
            .map(|t| t.caps())
            .collect();
        for f in gst::ElementFactory::factories_with_type(
            gst::ElementFactoryType::DECODER,
            gst::Rank::PRIMARY,
        ) {
            if f.name().starts_with("avdec_") && ours.iter().any(|c| f.can_sink_any_caps(c)) {
                f.set_rank(gst::Rank::PRIMARY - 1);
            }
        }
        Ok(())
    })
    .as_ref()
    .map(|_| ())
}

/// An always sink pad taking `sink` and an always src pad giving `src`:
/// the pads of both our decoders.
fn decoder_pads(sink: &gst::Caps, src: &gst::Caps) -> Vec<gst::PadTemplate> {
    [
        ("sink", gst::PadDirection::Sink, sink),
        ("src", gst::PadDirection::Src, src),
    ]
    .into_iter()
    .map(|(name, direction, caps)| {
        gst::PadTemplate::new(name, direction, gst::PadPresence::Always, caps)
            .expect("a valid pad template")
    })
    .collect()
}

/// Why a decoder failed.
#[derive(Debug, thiserror::Error)]
pub enum AvError {
    #[error("libavcodec is not available: {0}")]
    Unavailable(&'static LoadError),
    #[error("{0}")]
    Setup(String),
    #[error("{what}: {message} ({code})")]
    Call {
        what: &'static str,
        code: i32,
        message: String,
    },
}

/// One open libavcodec decoder, with its packet and frame.
pub(crate) struct Decoder {
    lib: &'static Lib,
    context: Ptr,
    packet: Ptr,
    frame: Ptr,
}

// SAFETY: a decoder is used by one thread at a time (the element's lock);
// libavcodec contexts may move between threads.
unsafe impl Send for Decoder {}

impl Decoder {
    /// Opens a decoder of `codec`; `extradata` is the stream's codec data
    /// (avcC, hvcC, AudioSpecificConfig) when its packets need it.
    pub(crate) fn new(codec: Codec, extradata: Option<&[u8]>) -> Result<Decoder, AvError> {
        let lib = lib().map_err(AvError::Unavailable)?;
        if extradata.is_some_and(|e| e.len() > MAX_EXTRADATA) {
            return Err(AvError::Setup(format!(
                "codec data of {} bytes (at most {MAX_EXTRADATA})",
                extradata.map_or(0, <[u8]>::len)
            )));
        }
        // SAFETY: FFmpeg 5.1's API as documented; the pointers written into
        // the context are its extradata fields (offsets above), allocated
        // with av_mallocz as it frees them.
        unsafe {
            let found = (lib.find_decoder)(codec.id());
            if found.is_null() {
                return Err(AvError::Setup(format!(
                    "libavcodec has no {codec:?} decoder"
                )));
            }
            let mut decoder = Decoder {
                lib,
                context: (lib.alloc_context)(found),
                packet: (lib.packet_alloc)(),
                frame: (lib.frame_alloc)(),
            };
            if decoder.context.is_null() || decoder.packet.is_null() || decoder.frame.is_null() {
                return Err(AvError::Setup("out of memory".into()));
            }
            if let Some(data) = extradata.filter(|d| !d.is_empty()) {
                let copy = (lib.mallocz)(data.len() + INPUT_PADDING) as *mut u8;
                if copy.is_null() {
                    return Err(AvError::Setup("out of memory".into()));
                }
                std::ptr::copy_nonoverlapping(data.as_ptr(), copy, data.len());
                let at = decoder.context as *mut u8;
                (at.add(CONTEXT_EXTRADATA) as *mut *mut u8).write_unaligned(copy);
                (at.add(CONTEXT_EXTRADATA_SIZE) as *mut c_int).write_unaligned(data.len() as c_int);
            }
            if matches!(codec, Codec::H264 | Codec::Hevc) {
                // Slice threads output each frame as soon as it is decoded;
                // frame threads hold one back per thread (see pipeline.rs).
                decoder.option(c"threads", c"auto");
                decoder.option(c"thread_type", c"slice");
                decoder.option(c"max_pixels", MAX_PIXELS);
            }
            let code = (lib.open)(decoder.context, found, std::ptr::null_mut());
            decoder.check("opening the decoder", code)?;
            Ok(decoder)
        }
    }

    fn option(&mut self, name: &CStr, value: &CStr) {
        // SAFETY: av_opt_set on the context's own options; an unknown
        // option is an error code, not undefined behaviour.
        let code = unsafe { (self.lib.opt_set)(self.context, name.as_ptr(), value.as_ptr(), 0) };
        if code < 0 {
            tracing::debug!("libavcodec option {name:?}: {}", self.lib.error(code));
        }
    }

    fn check(&self, what: &'static str, code: c_int) -> Result<(), AvError> {
        if code < 0 {
            Err(AvError::Call {
                what,
                code,
                message: self.lib.error(code),
            })
        } else {
            Ok(())
        }
    }

    /// Sends one packet (`None`: the end, drain what is held back), tagged
    /// with `tag`, which comes back on the frames it decodes to.
    pub(crate) fn send(&mut self, data: Option<&[u8]>, tag: i64) -> Result<(), AvError> {
        // SAFETY: the packet is ours; av_new_packet gives it `len` bytes
        // plus zeroed padding; it is unreferenced after sending.
        unsafe {
            let Some(data) = data else {
                let code = (self.lib.send_packet)(self.context, std::ptr::null_mut());
                return if code == AVERROR_EOF {
                    Ok(())
                } else {
                    self.check("draining", code)
                };
            };
            if data.len() > MAX_PACKET {
                return Err(AvError::Setup(format!(
                    "a packet of {} bytes (at most {MAX_PACKET})",
                    data.len()
                )));
            }
            let code = (self.lib.new_packet)(self.packet, data.len() as c_int);
            self.check("allocating a packet", code)?;
            let at = self.packet as *mut u8;
            let dst = (at.add(PACKET_DATA) as *const *mut u8).read_unaligned();
            std::ptr::copy_nonoverlapping(data.as_ptr(), dst, data.len());
            (at.add(PACKET_PTS) as *mut i64).write_unaligned(tag);
            let code = (self.lib.send_packet)(self.context, self.packet);
            (self.lib.packet_unref)(self.packet);
            self.check("decoding", code)
        }
    }

    /// The next decoded frame, `None` when the decoder wants more input
    /// (or has drained).
    pub(crate) fn receive(&mut self) -> Result<Option<Frame<'_>>, AvError> {
        // SAFETY: receive_frame unreferences the frame before filling it.
        let code = unsafe { (self.lib.receive_frame)(self.context, self.frame) };
        if code == AVERROR_EAGAIN || code == AVERROR_EOF {
            return Ok(None);
        }
        self.check("decoding", code)?;
        Ok(Some(Frame {
            at: self.frame as *const u8,
            _decoder: std::marker::PhantomData,
        }))
    }

    /// Forgets everything held (a seek, a flush, after draining).
    pub(crate) fn flush(&mut self) {
        // SAFETY: an open context.
        unsafe { (self.lib.flush_buffers)(self.context) }
    }
}

impl Drop for Decoder {
    fn drop(&mut self) {
        // SAFETY: each was allocated by its own allocator, freed once; the
        // free functions take NULL.
        unsafe {
            (self.lib.free_context)(&mut self.context);
            (self.lib.packet_free)(&mut self.packet);
            (self.lib.frame_free)(&mut self.frame);
        }
    }
}

/// A decoded frame, valid until the decoder's next call.
pub(crate) struct Frame<'a> {
    at: *const u8,
    _decoder: std::marker::PhantomData<&'a mut Decoder>,
}

impl Frame<'_> {
    fn read<T: Copy>(&self, offset: usize) -> T {
        // SAFETY: offsets of AVFrame fields of type T (layout above).
        unsafe { (self.at.add(offset) as *const T).read_unaligned() }
    }

    pub(crate) fn width(&self) -> i32 {
        self.read(FRAME_WIDTH)
    }

    pub(crate) fn height(&self) -> i32 {
        self.read(FRAME_HEIGHT)
    }

    pub(crate) fn format(&self) -> c_int {
        self.read(FRAME_FORMAT)
    }

    /// The tag of the packet this frame came from.
    pub(crate) fn tag(&self) -> i64 {
        self.read(FRAME_PTS)
    }

    pub(crate) fn samples(&self) -> i32 {
        self.read(FRAME_NB_SAMPLES)
    }

    pub(crate) fn sample_rate(&self) -> i32 {
        self.read(FRAME_SAMPLE_RATE)
    }

    pub(crate) fn channels(&self) -> i32 {
        self.read(FRAME_NB_CHANNELS)
    }

    /// Audio plane `i` (one per channel when planar): `bytes` long, each
    /// as long as the first plane (audio frames set only that linesize).
    pub(crate) fn audio_plane(&self, i: usize, bytes: usize) -> Option<&[u8]> {
        let (first, _) = self.plane(0, 1, bytes)?;
        if i == 0 {
            return Some(first);
        }
        if i >= 8 {
            return None;
        }
        let data: *const u8 = self.read(FRAME_DATA + i * 8);
        // SAFETY: libavcodec's planar audio planes are all the first's size.
        (!data.is_null()).then(|| unsafe { std::slice::from_raw_parts(data, bytes) })
    }

    /// Plane `i`: its bytes (`rows` rows of at least `row_bytes`) and the
    /// distance between rows; `None` when the frame does not have them.
    pub(crate) fn plane(&self, i: usize, rows: usize, row_bytes: usize) -> Option<(&[u8], usize)> {
        if i >= 8 || rows == 0 {
            return None;
        }
        let data: *const u8 = self.read(FRAME_DATA + i * 8);
        let stride: c_int = self.read(FRAME_LINESIZE + i * 4);
        let stride = usize::try_from(stride).ok()?;
        if data.is_null() || stride < row_bytes {
            return None;
        }
        let len = stride * (rows - 1) + row_bytes;
        // SAFETY: libavcodec's plane holds `rows` rows `stride` apart, each
        // at least as wide as the picture (checked against it above).
        Some((unsafe { std::slice::from_raw_parts(data, len) }, stride))
    }
}

#[cfg(test)]
mod tests;
