//! The GL video path: when Slint renders with OpenGL over EGL (femtovg on
//! linuxkms or winit), its context is wrapped for GStreamer and shared with
//! the pipelines, whose frames then stay on the GPU as textures drawn
//! directly by the renderer. Anything else (the software renderer, GLX —
//! which Slint's winit backend prefers on X11 — no EGL) leaves the CPU path
//! in place.

use std::ffi::c_void;

use gstreamer_gl as gst_gl;
use gstreamer_gl::prelude::*;
use gstreamer_gl_egl as gst_gl_egl;
use slint::ComponentHandle;

use crate::playback::{GlHandles, GlShare};

use super::video::VideoSink;
use super::{AppWindow, PlayerPage};

/// Why the GL video path is not taken (the CPU path stays).
#[derive(Debug, thiserror::Error)]
pub enum GlError {
    #[error("the renderer tells nothing of its rendering: {0}")]
    Notifier(#[from] slint::SetRenderingNotifierError),
    #[error("the renderer's OpenGL context is not EGL (GLX?)")]
    NotEgl,
    #[error("GStreamer cannot use the EGL display: {0}")]
    Display(String),
    #[error("GStreamer cannot wrap the EGL context")]
    Wrap,
    #[error("cannot {what} the wrapped context: {reason}")]
    Context { what: &'static str, reason: String },
}

/// Watches `ui`'s renderer: shares its context through `share` once it is
/// set up, and hands each new GL frame of `video` to it before it draws.
/// An error means this renderer cannot tell (the CPU path stays).
pub fn install(ui: &AppWindow, video: VideoSink, share: GlShare) -> Result<(), GlError> {
    let ui_weak = ui.as_weak();
    let mut context: Option<gst_gl::GLContext> = None;
    ui.window()
        .set_rendering_notifier(move |state, api| match state {
            slint::RenderingState::RenderingSetup => {
                let slint::GraphicsAPI::NativeOpenGL { .. } = api else {
                    tracing::info!("video path: CPU copy (the renderer does not use OpenGL)");
                    return;
                };
                match wrap_current_egl() {
                    Ok(handles) => {
                        tracing::info!("video path: GL textures shared with the renderer");
                        context = Some(handles.context.clone());
                        share.set(handles);
                    }
                    Err(e) => tracing::warn!(error = %e, "video path: CPU copy"),
                }
            }
            slint::RenderingState::BeforeRendering => {
                if let (Some(context), Some(ui)) = (&context, ui_weak.upgrade())
                    && let Some(image) = video.take_gl_frame(context)
                {
                    ui.global::<PlayerPage>().set_video_frame(image);
                }
            }
            slint::RenderingState::RenderingTeardown => {
                video.release_gl();
                if let Some(c) = context.take() {
                    let _ = c.activate(false);
                }
            }
            _ => {}
        })
        .map_err(GlError::from)
}

// libEGL is linked anyway (GStreamer's EGL support needs it). Asking the
// renderer's get_proc_address instead is not safe: under GLX it returns
// stubs for any name.
#[link(name = "EGL")]
unsafe extern "C" {
    fn eglGetCurrentDisplay() -> *mut c_void;
    fn eglGetCurrentContext() -> *mut c_void;
}

/// Wraps the EGL display and context current on this thread (the
/// renderer's) as GStreamer GL objects; an error if the renderer's OpenGL
/// is not EGL (GLX on X11).
fn wrap_current_egl() -> Result<GlHandles, GlError> {
    // SAFETY: plain queries of this thread's EGL state; null when none.
    let (egl_display, egl_context) = unsafe { (eglGetCurrentDisplay(), eglGetCurrentContext()) };
    if egl_display.is_null() || egl_context.is_null() {
        return Err(GlError::NotEgl);
    }
    let platform = gst_gl::GLPlatform::EGL;
    // SAFETY: both handles are live for as long as the renderer is; the
    // teardown notification deactivates the wrapper before they go.
    let display = unsafe { gst_gl_egl::GLDisplayEGL::with_egl_display(egl_display as usize) }
        .map_err(|e| GlError::Display(e.to_string()))?;
    let (gl_api, _, _) = gst_gl::GLContext::current_gl_api(platform);
    // SAFETY: the context is current on this thread and outlives the
    // wrapper (see above); the API is the one it reports.
    let context =
        unsafe { gst_gl::GLContext::new_wrapped(&display, egl_context as usize, platform, gl_api) }
            .ok_or(GlError::Wrap)?;
    context.activate(true).map_err(|e| GlError::Context {
        what: "activate",
        reason: e.to_string(),
    })?;
    context.fill_info().map_err(|e| GlError::Context {
        what: "query",
        reason: e.to_string(),
    })?;
    Ok(GlHandles {
        display: display.upcast(),
        context,
    })
}
