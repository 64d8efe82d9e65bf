//! Publishing analysis runs on the audio thread, so it must never allocate: a counting global
//! allocator (this test binary's own) watches every `publish` call, including full queues,
//! mask snapshots and geometry changes.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use spectral_mask::analysis;
use spectral_mask::processor::Processor;
use spectral_mask::settings::Settings;

struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // Only this thread's allocations while watching count: the test harness allocates on
    // other threads at any time.
    static WATCHING: Cell<bool> = const { Cell::new(false) };
}

// SAFETY: forwards to the system allocator unchanged; the counter is an atomic and the
// thread-local is a const-initialised `Cell`, neither of which allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if WATCHING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if WATCHING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if WATCHING.with(Cell::get) {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn watched<R>(f: impl FnOnce() -> R) -> R {
    WATCHING.with(|watching| watching.set(true));
    let result = f();
    WATCHING.with(|watching| watching.set(false));
    result
}

#[test]
fn publishing_never_allocates() {
    let sample_rate = 48_000.0;
    // A small queue so that it fills and the drop path runs too.
    let (mut publisher, mut reader) = analysis::channel(8);
    reader.set_editor_open(true);
    let mut processor = Processor::new(2, sample_rate, Settings::default());
    let mut left: Vec<f32> = (0..4096)
        .map(|n| 0.3 * (n as f32 * 0.05).sin() + 0.01 * ((n * 7919 % 101) as f32 - 50.0) / 50.0)
        .collect();
    let mut right = left.clone();
    let mut published = 0;
    let mut drained = 0;
    // Several geometries (a switch fades, then the new frames publish) and 2 s of audio per
    // geometry: columns, merged columns, snapshots, drops.
    for (window_size, padding_ratio) in [(2048, 2), (256, 1), (8192, 8), (1024, 4)] {
        let settings = Settings {
            window_size,
            padding_ratio,
            ..Settings::default()
        };
        processor.set_settings(&settings);
        for block in 0..24 {
            processor.process_observed(&mut [&mut left[..], &mut right[..]], |view| {
                watched(|| publisher.publish(view, sample_rate));
                published += 1;
            });
            if block % 3 == 0 {
                drained += reader.drain(|_| {});
            }
        }
    }
    assert!(published > 100, "{published} frames published");
    assert!(drained > 0);
    assert!(reader.dropped_columns() > 0, "the queue never filled");
    assert_eq!(ALLOCATIONS.load(Ordering::Relaxed), 0, "publish allocated");
}

/// The processor's real-time door never allocates: every kernel, mode and reference,
/// geometry switches (with their fades), learning a print, odd block sizes, stereo link
/// on and off.
#[test]
fn processing_never_allocates() {
    use spectral_mask::choice::Choice;
    use spectral_mask::settings::{KernelKind, Mode, Reference};
    use spectral_mask::stft::WindowKind;

    let sample_rate = 44_100.0;
    let mut processor = Processor::new(2, sample_rate, Settings::default());
    let signal: Vec<f32> = (0..20_000)
        .map(|n| 0.2 * (n as f32 * 0.031).sin() + 0.05 * ((n * 7919 % 211) as f32 / 105.0 - 1.0))
        .collect();
    let kernels = KernelKind::ALL;
    let modes = [
        Mode::Binary,
        Mode::Soft,
        Mode::BinaryInverted,
        Mode::SoftInverted,
    ];
    let references = [Reference::Absolute, Reference::Adaptive, Reference::Print];
    let geometries = [(2048, 2), (256, 8), (8192, 1), (512, 4), (4096, 8)];
    let windows = [WindowKind::Hann, WindowKind::Hamming, WindowKind::Blackman];
    let blocks = [1, 7, 64, 511, 4096, 8192];
    let mut step = 0usize;
    for (index, &kernel) in kernels.iter().enumerate() {
        for (mode_index, &mode) in modes.iter().enumerate() {
            let (window_size, padding_ratio) = geometries[(index + mode_index) % geometries.len()];
            let settings = Settings {
                kernel,
                mode,
                window_size,
                padding_ratio,
                window: windows[step % windows.len()],
                reference: references[step % references.len()],
                stereo_link: step.is_multiple_of(2),
                learn: step % 5 == 1,
                delta: step % 7 == 3,
                ..Settings::default()
            };
            let mut left = signal.clone();
            let mut right = signal.clone();
            let mut pos = 0;
            watched(|| {
                processor.set_settings(&settings);
                while pos < left.len() {
                    let end = (pos + blocks[step % blocks.len()]).min(left.len());
                    processor.process(&mut [&mut left[pos..end], &mut right[pos..end]]);
                    pos = end;
                    step += 1;
                }
            });
            assert!(left.iter().chain(&right).all(|x| x.is_finite()));
        }
    }
    assert_eq!(
        ALLOCATIONS.load(Ordering::Relaxed),
        0,
        "allocations on the audio path"
    );
}
