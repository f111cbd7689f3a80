//! WebKitGTK settings of the window's webview that lower the app's memory (issue 15). Each was
//! measured alone and combined by bench/app_measure.py on a release build; the table and the
//! method are in docs/PERFORMANCE.md. [`SHIPPED`] is what every build uses.
//!
//! Benchmark builds only (`--features bench-webkit`, never shipped): the settings named by
//! `PORTCULLIS_BENCH_WEBKIT` replace [`SHIPPED`], so one build measures every combination.
//! Without the feature the variable is not read (scripts/check-release checks that its name is
//! absent from the release binary). None of these settings is a secret or weakens a check.
//!
//! Not here: WebKit's memory-pressure settings (webkit2gtk 2.34 `WebKitMemoryPressureSettings`).
//! The web process's are a construct-only property of the `WebKitWebContext`, which wry creates;
//! the network process's must be set before that process starts, which is while Tauri creates
//! the window, and after GTK is initialised (webkit2gtk asserts it), so neither can be reached
//! from a Tauri app today.

/// One combination of the settings the benchmark compares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tuning {
    /// Cache model `DocumentViewer` instead of WebKit's default `WebBrowser`: the web process
    /// keeps no memory cache of resources and pages it does not show (the app has one page).
    pub document_viewer: bool,
    /// Page cache (back/forward cache) off: the app never navigates back to a page.
    pub page_cache_off: bool,
    /// Hardware acceleration policy `Never`: no accelerated compositing layers.
    pub never_accelerate: bool,
    /// JavaScriptCore's JIT off (`JSC_useJIT=false` in the environment the web process inherits):
    /// the page runs in the interpreter.
    pub jit_off: bool,
    /// WebKit's DMA-BUF renderer off (`WEBKIT_DISABLE_DMABUF_RENDERER=1`, inherited likewise).
    pub dmabuf_off: bool,
}

/// The settings every build uses: those that lowered PSS in the measurements without breaking a
/// journey (docs/PERFORMANCE.md, "App memory: WebKitGTK settings").
/// Each lowered the median PSS at 10,000 entries (release build, Xvfb, 3 runs): the DMA-BUF
/// renderer off by 104 MiB, acceleration `Never` by 93 MiB alone and 3 MiB with the renderer
/// off, the JIT off by 15 MiB, the page cache off by 2 MiB, `DocumentViewer` by 1 MiB.
pub const SHIPPED: Tuning = Tuning {
    document_viewer: true,
    page_cache_off: true,
    never_accelerate: true,
    jit_off: true,
    dmabuf_off: true,
};

/// Why a list of settings was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[cfg_attr(not(any(feature = "bench-webkit", test)), allow(dead_code))]
pub enum TuningError {
    /// A name the benchmark does not know.
    #[error("unknown WebKit setting `{0}`")]
    Unknown(String),
}

impl Tuning {
    /// `none`, or names separated by commas: `document-viewer`, `page-cache-off`,
    /// `never-accelerate`, `jit-off`, `dmabuf-off`.
    #[cfg_attr(not(any(feature = "bench-webkit", test)), allow(dead_code))]
    pub fn parse(list: &str) -> Result<Tuning, TuningError> {
        let mut t = Tuning::default();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            match name {
                "none" => {}
                "document-viewer" => t.document_viewer = true,
                "page-cache-off" => t.page_cache_off = true,
                "never-accelerate" => t.never_accelerate = true,
                "jit-off" => t.jit_off = true,
                "dmabuf-off" => t.dmabuf_off = true,
                other => return Err(TuningError::Unknown(other.to_owned())),
            }
        }
        Ok(t)
    }
}

/// The settings of this run: [`SHIPPED`], or in a benchmark build what `PORTCULLIS_BENCH_WEBKIT`
/// names.
#[cfg(feature = "bench-webkit")]
pub fn chosen() -> Result<Tuning, TuningError> {
    match std::env::var("PORTCULLIS_BENCH_WEBKIT") {
        Ok(list) => Tuning::parse(&list),
        Err(_) => Ok(SHIPPED),
    }
}

/// The settings of this run: [`SHIPPED`].
#[cfg(not(feature = "bench-webkit"))]
pub fn chosen() -> Result<Tuning, TuningError> {
    Ok(SHIPPED)
}

/// What must be in place before WebKit starts its processes. Call first thing in `main`, while
/// the process has one thread (it sets environment variables the web process inherits).
pub fn before_start(t: &Tuning) {
    if t.jit_off {
        std::env::set_var("JSC_useJIT", "false");
    }
    if t.dmabuf_off {
        std::env::set_var("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
}

/// Applies the per-webview settings to the window's webview (on Linux; other systems keep their
/// engine's defaults).
pub fn apply(window: &tauri::WebviewWindow, t: Tuning) {
    #[cfg(target_os = "linux")]
    {
        let applied = window.with_webview(move |platform| {
            use webkit2gtk::{SettingsExt, WebContextExt, WebViewExt};
            let view = platform.inner();
            if t.document_viewer {
                if let Some(context) = view.context() {
                    context.set_cache_model(webkit2gtk::CacheModel::DocumentViewer);
                }
            }
            if let Some(settings) = WebViewExt::settings(&view) {
                if t.page_cache_off {
                    settings.set_enable_page_cache(false);
                }
                if t.never_accelerate {
                    settings.set_hardware_acceleration_policy(
                        webkit2gtk::HardwareAccelerationPolicy::Never,
                    );
                }
            }
        });
        if let Err(e) = applied {
            tracing::warn!("the webview settings could not be applied: {e}");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (window, t);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_name_and_refuses_unknown_ones() {
        assert_eq!(Tuning::parse("none"), Ok(Tuning::default()));
        assert_eq!(Tuning::parse(""), Ok(Tuning::default()));
        let all =
            Tuning::parse("document-viewer, page-cache-off,never-accelerate,jit-off,dmabuf-off")
                .unwrap();
        assert_eq!(
            all,
            Tuning {
                document_viewer: true,
                page_cache_off: true,
                never_accelerate: true,
                jit_off: true,
                dmabuf_off: true,
            }
        );
        assert_eq!(
            Tuning::parse("page-cache-off,cache"),
            Err(TuningError::Unknown("cache".into()))
        );
        assert!(Tuning::parse("network-limit=64").is_err());
    }

    #[test]
    fn a_build_without_the_benchmark_feature_uses_the_shipped_settings() {
        std::env::set_var("PORTCULLIS_BENCH_WEBKIT", "jit-off");
        let expected = if cfg!(feature = "bench-webkit") {
            Tuning::parse("jit-off").unwrap()
        } else {
            SHIPPED
        };
        assert_eq!(chosen(), Ok(expected));
    }
}
