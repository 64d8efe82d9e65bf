//! A small CLAP host for the integration tests, on top of clack-host: loads a plugin library,
//! activates it, processes audio on a separate audio thread while the test thread plays the
//! host's main thread (servicing `request_callback` and `request_restart` as a DAW would), and
//! drives the params, latency and state extensions.
//!
//! clack-host carries no extensions itself (they live in clack-extensions, which is not a
//! dependency), so the three plugin-side and one host-side ABI structs we need are mirrored
//! here from the CLAP 1.2 headers (`ext/params.h`, `ext/latency.h`, `ext/state.h`).

#![allow(dead_code)]

use std::ffi::{c_char, c_void, CStr, CString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use clack_host::events::event_types::ParamValueEvent;
use clack_host::extensions::prelude::*;
use clack_host::prelude::*;
use clack_host::stream::{InputStream, OutputStream};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The release bundle that `cargo xtask bundle spectral_mask --release` makes.
///
/// # Panics
/// If it is missing: these tests are about the shipped bundle, not something else.
pub fn bundle(extension: &str) -> PathBuf {
    let path = repo_root()
        .join("target")
        .join("bundled")
        .join(format!("Spectral Mask.{extension}"));
    assert!(
        path.exists(),
        "{} is missing: run `cargo xtask bundle spectral_mask --release` first \
         (`cargo xtask test` does)",
        path.display()
    );
    if bundle_is_stale() {
        eprintln!(
            "warning: {} is older than the sources; rebuild it with \
             `cargo xtask bundle spectral_mask --release`",
            path.display()
        );
    }
    path
}

/// Whether a file under `src/` is newer than the release bundle, i.e. the bundle may not be
/// what the sources would build.
pub fn bundle_is_stale() -> bool {
    fn newest(dir: &Path) -> Option<std::time::SystemTime> {
        std::fs::read_dir(dir)
            .ok()?
            .filter_map(Result::ok)
            .filter_map(|entry| {
                let path = entry.path();
                if path.is_dir() {
                    newest(&path)
                } else {
                    entry.metadata().ok()?.modified().ok()
                }
            })
            .max()
    }
    let bundled = repo_root()
        .join("target")
        .join("bundled")
        .join("Spectral Mask.clap");
    match (
        newest(&repo_root().join("src")),
        std::fs::metadata(bundled).and_then(|meta| meta.modified()),
    ) {
        (Some(source), Ok(bundle)) => source > bundle,
        _ => false,
    }
}

/// nice-plug's parameter hash (a Rabin fingerprint without the top bit, which VST3 reserves
/// for the host), which it uses as the CLAP parameter id.
pub fn clap_param_id(string_id: &str) -> u32 {
    let hash = string_id.bytes().fold(0u32, |hash, byte| {
        hash.wrapping_mul(31).wrapping_add(byte as u32)
    });
    hash & !(1 << 31)
}

// ---------------------------------------------------------------------------------------------
// ABI mirrors. Plugin pointers are passed as `*const c_void`: the same ABI as `*const clap_plugin`.

const CLAP_NAME_SIZE: usize = 256;
const CLAP_PATH_SIZE: usize = 1024;
pub const CLAP_PARAM_IS_STEPPED: u32 = 1 << 0;

#[repr(C)]
struct RawParamInfo {
    id: u32,
    flags: u32,
    cookie: *mut c_void,
    name: [c_char; CLAP_NAME_SIZE],
    module: [c_char; CLAP_PATH_SIZE],
    min_value: f64,
    max_value: f64,
    default_value: f64,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct RawPluginParams {
    count: Option<unsafe extern "C" fn(*const c_void) -> u32>,
    get_info: Option<unsafe extern "C" fn(*const c_void, u32, *mut RawParamInfo) -> bool>,
    get_value: Option<unsafe extern "C" fn(*const c_void, u32, *mut f64) -> bool>,
    value_to_text: Option<unsafe extern "C" fn(*const c_void, u32, f64, *mut c_char, u32) -> bool>,
    text_to_value:
        Option<unsafe extern "C" fn(*const c_void, u32, *const c_char, *mut f64) -> bool>,
    flush: Option<unsafe extern "C" fn(*const c_void, *const c_void, *const c_void)>,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct RawPluginLatency {
    get: Option<unsafe extern "C" fn(*const c_void) -> u32>,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct RawPluginState {
    save: Option<unsafe extern "C" fn(*const c_void, *const c_void) -> bool>,
    load: Option<unsafe extern "C" fn(*const c_void, *const c_void) -> bool>,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct RawHostLatency {
    changed: Option<unsafe extern "C" fn(*const clap_host)>,
}

macro_rules! plugin_extension {
    ($name:ident, $raw:ty, $id:expr) => {
        #[derive(Clone, Copy)]
        pub struct $name(RawExtension<PluginExtensionSide, $raw>);

        // SAFETY: `$id` is the CLAP id of the extension whose struct `$raw` mirrors.
        unsafe impl Extension for $name {
            const IDENTIFIERS: &'static [&'static CStr] = &[$id];
            type ExtensionSide = PluginExtensionSide;

            unsafe fn from_raw(raw: RawExtension<Self::ExtensionSide>) -> Self {
                // SAFETY: the plugin returned this pointer for `$id`.
                Self(unsafe { raw.cast() })
            }
        }
    };
}

plugin_extension!(PluginParams, RawPluginParams, c"clap.params");
plugin_extension!(PluginLatency, RawPluginLatency, c"clap.latency");
plugin_extension!(PluginState, RawPluginState, c"clap.state");

#[derive(Clone, Copy)]
pub struct HostLatency(RawExtension<HostExtensionSide, RawHostLatency>);

// SAFETY: "clap.latency" is the id of `clap_host_latency`, which `RawHostLatency` mirrors.
unsafe impl Extension for HostLatency {
    const IDENTIFIERS: &'static [&'static CStr] = &[c"clap.latency"];
    type ExtensionSide = HostExtensionSide;

    unsafe fn from_raw(raw: RawExtension<Self::ExtensionSide>) -> Self {
        // SAFETY: the pointer was registered for this extension id.
        Self(unsafe { raw.cast() })
    }
}

// SAFETY: the implementation is a `clap_host_latency` for the `TestHost` handlers.
unsafe impl ExtensionImplementation<TestHost> for HostLatency {
    const IMPLEMENTATION: RawExtensionImplementation =
        RawExtensionImplementation::new(&RawHostLatency {
            changed: Some(host_latency_changed),
        });
}

unsafe extern "C" fn host_latency_changed(host: *const clap_host) {
    // SAFETY: the plugin calls this with the `clap_host` clack made for a `TestHost`.
    unsafe {
        HostWrapper::<TestHost>::handle(host, |wrapper| {
            let shared = wrapper.shared();
            shared.latency_changed.store(true, Ordering::SeqCst);
            // CLAP 1.2: `changed()` is [main-thread & being-activated].
            if !shared.activating.load(Ordering::SeqCst) {
                shared
                    .latency_changed_outside_activate
                    .fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        });
    }
}

// ---------------------------------------------------------------------------------------------
// The host.

pub struct TestHost;

#[derive(Default)]
pub struct HostShared {
    pub restart_requested: AtomicBool,
    pub callback_requested: AtomicBool,
    pub process_requested: AtomicBool,
    /// The plugin called `clap_host_latency.changed()`.
    pub latency_changed: AtomicBool,
    /// The host is inside `clap_plugin.activate()`.
    pub activating: AtomicBool,
    /// Calls of `clap_host_latency.changed()` outside `activate()`: each breaks the protocol.
    pub latency_changed_outside_activate: AtomicU32,
}

impl SharedHandler<'_> for HostShared {
    fn request_restart(&self) {
        self.restart_requested.store(true, Ordering::SeqCst);
    }
    fn request_process(&self) {
        self.process_requested.store(true, Ordering::SeqCst);
    }
    fn request_callback(&self) {
        self.callback_requested.store(true, Ordering::SeqCst);
    }
}

impl HostHandlers for TestHost {
    type Shared<'a> = HostShared;
    type MainThread<'a> = ();
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder.register::<HostLatency>();
    }
}

/// One parameter as the plugin describes it.
#[derive(Debug, Clone)]
pub struct ParamInfo {
    pub id: u32,
    pub name: String,
    pub flags: u32,
    pub min_value: f64,
    pub max_value: f64,
    pub default_value: f64,
}

/// A parameter change at a sample position of a `process` call's input.
#[derive(Debug, Clone, Copy)]
pub struct ParamChange {
    pub sample: usize,
    pub param_id: u32,
    /// The CLAP value: normalized for continuous parameters, the step index for stepped ones.
    pub value: f64,
}

/// A loaded, instantiated plugin.
pub struct Plugin {
    instance: PluginInstance<TestHost>,
    params: PluginParams,
    latency: PluginLatency,
    state: PluginState,
    processor: Option<PluginAudioProcessor<TestHost>>,
    sample_rate: f64,
    max_block: u32,
    num_channels: usize,
    /// Whether the host's main thread runs the plugin's callbacks while audio is processed
    /// (as a DAW's GUI thread does); when off, they run only after `process` returns.
    pub service_while_processing: bool,
}

impl Plugin {
    /// Loads the library at `path` (a `.clap` bundle file or a bare `.so`) and instantiates
    /// its one plugin.
    pub fn load(path: &Path) -> Self {
        // SAFETY: the plugin is ours; loading it runs its (trusted) initialisers.
        let entry = unsafe { PluginEntry::load(path) }
            .unwrap_or_else(|error| panic!("loading {}: {error}", path.display()));
        Self::instantiate(&entry)
    }

    /// Instantiates the one plugin of `entry`.
    pub fn instantiate(entry: &PluginEntry) -> Self {
        let factory = entry.get_plugin_factory().expect("a plugin factory");
        let descriptor = factory
            .plugin_descriptors()
            .next()
            .expect("one plugin in the bundle");
        let plugin_id = CString::from(descriptor.id().expect("a plugin id"));
        assert_eq!(
            plugin_id.to_str().unwrap(),
            "org.spectral-mask.spectral-mask"
        );
        let host_info = HostInfo::new(
            "spectral-mask tests",
            "spectral-mask",
            "https://example.com",
            "0.1",
        )
        .unwrap();
        let instance = PluginInstance::<TestHost>::new(
            |_| HostShared::default(),
            |_| (),
            entry,
            &plugin_id,
            &host_info,
        )
        .expect("instantiating the plugin");
        let shared = instance.plugin_shared_handle();
        let params = shared.get_extension::<PluginParams>().expect("clap.params");
        let latency = shared
            .get_extension::<PluginLatency>()
            .expect("clap.latency");
        let state = shared.get_extension::<PluginState>().expect("clap.state");
        Self {
            instance,
            params,
            latency,
            state,
            processor: None,
            sample_rate: 0.0,
            max_block: 0,
            num_channels: 2,
            service_while_processing: true,
        }
    }

    pub fn param_infos(&mut self) -> Vec<ParamInfo> {
        let handle = self.instance.plugin_handle();
        let raw = handle.use_extension(&self.params.0);
        let plugin = handle.as_raw_ptr().cast::<c_void>();
        // SAFETY: main thread, valid plugin, out-pointers to live locals.
        unsafe {
            let count = raw.count.unwrap()(plugin);
            (0..count)
                .map(|index| {
                    let mut info: RawParamInfo = std::mem::zeroed();
                    assert!(raw.get_info.unwrap()(plugin, index, &mut info));
                    ParamInfo {
                        id: info.id,
                        name: CStr::from_ptr(info.name.as_ptr())
                            .to_string_lossy()
                            .into_owned(),
                        flags: info.flags,
                        min_value: info.min_value,
                        max_value: info.max_value,
                        default_value: info.default_value,
                    }
                })
                .collect()
        }
    }

    pub fn param_value(&mut self, param_id: u32) -> f64 {
        let handle = self.instance.plugin_handle();
        let raw = handle.use_extension(&self.params.0);
        let mut value = f64::NAN;
        // SAFETY: as in `param_infos`.
        let ok =
            unsafe { raw.get_value.unwrap()(handle.as_raw_ptr().cast(), param_id, &mut value) };
        assert!(ok, "get_value({param_id})");
        value
    }

    pub fn value_to_text(&mut self, param_id: u32, value: f64) -> String {
        let handle = self.instance.plugin_handle();
        let raw = handle.use_extension(&self.params.0);
        let mut buffer = [0 as c_char; 256];
        // SAFETY: as in `param_infos`; the capacity is the buffer's.
        let ok = unsafe {
            raw.value_to_text.unwrap()(
                handle.as_raw_ptr().cast(),
                param_id,
                value,
                buffer.as_mut_ptr(),
                buffer.len() as u32,
            )
        };
        assert!(ok, "value_to_text({param_id}, {value})");
        // SAFETY: the plugin wrote a NUL-terminated string into the buffer.
        unsafe { CStr::from_ptr(buffer.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    /// The CLAP value the plugin reads `text` as.
    pub fn text_to_value(&mut self, param_id: u32, text: &str) -> f64 {
        let handle = self.instance.plugin_handle();
        let raw = handle.use_extension(&self.params.0);
        let text_c = CString::new(text).unwrap();
        let mut value = f64::NAN;
        // SAFETY: as in `param_infos`.
        let ok = unsafe {
            raw.text_to_value.unwrap()(
                handle.as_raw_ptr().cast(),
                param_id,
                text_c.as_ptr(),
                &mut value,
            )
        };
        assert!(ok, "text_to_value({param_id}, {text:?})");
        value
    }

    /// A change of parameter `string_id` to `text` (as a person types it) at `sample`.
    pub fn change(&mut self, sample: usize, string_id: &str, text: &str) -> ParamChange {
        let param_id = clap_param_id(string_id);
        ParamChange {
            sample,
            param_id,
            value: self.text_to_value(param_id, text),
        }
    }

    pub fn latency(&mut self) -> u32 {
        let handle = self.instance.plugin_handle();
        let raw = handle.use_extension(&self.latency.0);
        // SAFETY: main thread, valid plugin.
        unsafe { raw.get.unwrap()(handle.as_raw_ptr().cast()) }
    }

    pub fn save_state(&mut self) -> Vec<u8> {
        let handle = self.instance.plugin_handle();
        let raw = handle.use_extension(&self.state.0);
        let mut bytes = Vec::new();
        let mut stream = OutputStream::from_writer(&mut bytes);
        let stream_ptr = stream.as_raw_mut() as *mut _ as *const c_void;
        // SAFETY: main thread; the stream outlives the call.
        let ok = unsafe { raw.save.unwrap()(handle.as_raw_ptr().cast(), stream_ptr) };
        assert!(ok, "state save");
        bytes
    }

    pub fn load_state(&mut self, mut bytes: &[u8]) -> bool {
        let handle = self.instance.plugin_handle();
        let raw = handle.use_extension(&self.state.0);
        let mut stream = InputStream::from_reader(&mut bytes);
        let stream_ptr = stream.as_raw_mut() as *mut _ as *const c_void;
        // SAFETY: main thread; the stream outlives the call.
        unsafe { raw.load.unwrap()(handle.as_raw_ptr().cast(), stream_ptr) }
    }

    /// Activates for stereo at `sample_rate` with blocks of up to `max_block` samples.
    pub fn activate(&mut self, sample_rate: f64, max_block: u32) {
        assert!(self.processor.is_none(), "already active");
        self.instance
            .access_shared_handler(|shared| shared.activating.store(true, Ordering::SeqCst));
        let processor = self
            .instance
            .activate(
                |_, _| (),
                PluginAudioConfiguration {
                    sample_rate,
                    min_frames_count: 1,
                    max_frames_count: max_block,
                },
            )
            .expect("activating the plugin");
        self.instance
            .access_shared_handler(|shared| shared.activating.store(false, Ordering::SeqCst));
        self.processor = Some(processor.into());
        self.sample_rate = sample_rate;
        self.max_block = max_block;
        self.service_main_thread();
    }

    pub fn deactivate(&mut self) {
        if let Some(processor) = self.processor.take() {
            self.instance.deactivate(processor.into_stopped());
        }
        self.service_main_thread();
    }

    /// Deactivates and activates again with the same configuration, as a host does on
    /// `request_restart`; the plugin starts from a reset state.
    pub fn restart(&mut self) {
        let (sample_rate, max_block) = (self.sample_rate, self.max_block);
        self.deactivate();
        self.activate(sample_rate, max_block);
    }

    fn shared_flag(&self, flag: impl Fn(&HostShared) -> &AtomicBool) -> bool {
        self.instance
            .access_shared_handler(|shared| flag(shared).swap(false, Ordering::SeqCst))
    }

    /// Takes the flag the plugin set by asking for a restart.
    pub fn take_restart_request(&mut self) -> bool {
        self.shared_flag(|shared| &shared.restart_requested)
    }

    /// Takes the flag the plugin set through `clap_host_latency.changed()`.
    pub fn take_latency_changed(&mut self) -> bool {
        self.shared_flag(|shared| &shared.latency_changed)
    }

    /// How often the plugin called `clap_host_latency.changed()` outside `activate()`.
    pub fn latency_changes_outside_activate(&self) -> u32 {
        self.instance.access_shared_handler(|shared| {
            shared
                .latency_changed_outside_activate
                .load(Ordering::SeqCst)
        })
    }

    /// Whether the plugin is active.
    pub fn is_active(&self) -> bool {
        self.processor.is_some()
    }

    /// Sends parameter changes through `clap_plugin_params.flush()`, as a host does while the
    /// plugin is deactivated (no process call to carry them). Main thread.
    pub fn flush_params(&mut self, changes: &[(u32, f64)]) {
        let mut events = EventBuffer::new();
        for &(param_id, value) in changes {
            // No cookie: a host need not use the ones the plugin offers.
            events.push(&ParamValueEvent::new(
                0,
                ClapId::new(param_id),
                Pckn::match_all(),
                value,
            ));
        }
        let mut output_events = EventBuffer::new();
        let handle = self.instance.plugin_handle();
        let raw = handle.use_extension(&self.params.0);
        let input = events.as_input();
        let mut output = output_events.as_output();
        // SAFETY: main thread, plugin deactivated; both event lists outlive the call.
        unsafe {
            raw.flush.unwrap()(
                handle.as_raw_ptr().cast(),
                input.as_raw() as *const _ as *const c_void,
                output.as_raw_mut() as *mut _ as *const c_void,
            )
        };
        self.service_main_thread();
    }

    /// Runs the plugin's main-thread callback if it asked for one.
    pub fn service_main_thread(&mut self) {
        if self.shared_flag(|shared| &shared.callback_requested) {
            self.instance.call_on_main_thread_callback();
        }
    }

    /// Processes `input` (one `Vec` per channel) in blocks of the given sizes (cycled until
    /// the input is used up) on an audio thread, with `changes` sent as parameter events in
    /// the blocks that hold their sample positions. Returns the output, as long as the input.
    pub fn process(
        &mut self,
        input: &[Vec<f32>],
        block_sizes: &[usize],
        changes: &[ParamChange],
    ) -> Vec<Vec<f32>> {
        self.process_with_key(input, &[], block_sizes, changes)
    }

    /// [`Self::process`] with `key` (one `Vec` per channel, as long as the input) on the
    /// plugin's second input port, the key; an empty `key` passes the main port alone, as a
    /// host without sidechains does.
    pub fn process_with_key(
        &mut self,
        input: &[Vec<f32>],
        key: &[Vec<f32>],
        block_sizes: &[usize],
        changes: &[ParamChange],
    ) -> Vec<Vec<f32>> {
        assert_eq!(input.len(), self.num_channels);
        assert!(key.iter().all(|channel| channel.len() == input[0].len()));
        let len = input[0].len();
        let max_block = self.max_block as usize;
        let mut blocks = Vec::new();
        let mut pos = 0;
        for &size in block_sizes.iter().cycle() {
            if pos >= len {
                break;
            }
            assert!((1..=max_block).contains(&size), "block size {size}");
            let size = size.min(len - pos);
            blocks.push((pos, size));
            pos += size;
        }
        let events: Vec<EventBuffer> = blocks
            .iter()
            .map(|&(start, size)| {
                let mut buffer = EventBuffer::new();
                for change in changes
                    .iter()
                    .filter(|change| (start..start + size).contains(&change.sample))
                {
                    buffer.push(&ParamValueEvent::new(
                        (change.sample - start) as u32,
                        ClapId::new(change.param_id),
                        Pckn::match_all(),
                        change.value,
                    ));
                }
                buffer
            })
            .collect();
        assert!(
            changes.iter().all(|change| change.sample < len),
            "a change lies beyond the input"
        );

        let mut processor = self.processor.take().expect("activate first");
        let num_channels = self.num_channels;
        let output = std::thread::scope(|scope| {
            let audio_thread = scope.spawn(move || {
                let mut output = vec![vec![0.0f32; len]; num_channels];
                let mut in_block = vec![vec![0.0f32; max_block]; num_channels];
                let mut key_block = vec![vec![0.0f32; max_block]; key.len()];
                let mut out_block = vec![vec![0.0f32; max_block]; num_channels];
                let mut input_ports = AudioPorts::with_capacity(num_channels + key.len(), 2);
                let mut output_ports = AudioPorts::with_capacity(num_channels, 1);
                let mut output_events = EventBuffer::new();
                let started = processor
                    .ensure_processing_started()
                    .expect("start processing");
                for (&(start, size), events) in blocks.iter().zip(&events) {
                    for (block, channel) in in_block.iter_mut().zip(input) {
                        block[..size].copy_from_slice(&channel[start..start + size]);
                    }
                    for (block, channel) in key_block.iter_mut().zip(key) {
                        block[..size].copy_from_slice(&channel[start..start + size]);
                    }
                    let ports = [&mut in_block, &mut key_block];
                    let input_audio = input_ports.with_input_buffers(
                        ports
                            .into_iter()
                            .take(1 + usize::from(!key.is_empty()))
                            .map(|blocks| input_port(blocks, size)),
                    );
                    let mut output_audio = output_ports.with_output_buffers([AudioPortBuffer {
                        latency: 0,
                        channels: AudioPortBufferType::f32_output_only(
                            out_block.iter_mut().map(|block| &mut block[..size]),
                        ),
                    }]);
                    output_events.clear();
                    started
                        .process(
                            &input_audio,
                            &mut output_audio,
                            &events.as_input(),
                            &mut output_events.as_output(),
                            None,
                            None,
                        )
                        .expect("process");
                    for (channel, block) in output.iter_mut().zip(&out_block) {
                        channel[start..start + size].copy_from_slice(&block[..size]);
                    }
                }
                (processor, output)
            });
            // Meanwhile, be the host's main thread.
            while !audio_thread.is_finished() {
                if self.service_while_processing {
                    self.service_main_thread();
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            let (processor, output) = audio_thread.join().expect("the audio thread panicked");
            self.processor = Some(processor);
            output
        });
        if self.service_while_processing {
            self.service_main_thread();
        }
        output
    }
}

/// One input port's buffer: the first `size` samples of each block.
fn input_port(
    blocks: &mut [Vec<f32>],
    size: usize,
) -> AudioPortBuffer<
    impl Iterator<Item = InputChannel<'_, f32>>,
    std::array::IntoIter<InputChannel<'static, f64>, 0>,
> {
    AudioPortBuffer {
        latency: 0,
        channels: AudioPortBufferType::f32_input_only(
            blocks
                .iter_mut()
                .map(move |block| InputChannel::variable(&mut block[..size])),
        ),
    }
}

/// Deterministic white noise of `amplitude` (uniform), one `Vec` per channel.
pub fn noise(num_channels: usize, len: usize, amplitude: f32, seed: u64) -> Vec<Vec<f32>> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..num_channels)
        .map(|_| {
            (0..len)
                .map(|_| rng.gen_range(-amplitude..=amplitude))
                .collect()
        })
        .collect()
}

/// Index and value of the sample of largest magnitude.
pub fn peak(signal: &[f32]) -> (usize, f32) {
    signal
        .iter()
        .copied()
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .expect("a non-empty signal")
}

pub fn max_abs_difference(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

pub fn rms(signal: &[f32]) -> f32 {
    (signal.iter().map(|x| x * x).sum::<f32>() / signal.len().max(1) as f32).sqrt()
}
