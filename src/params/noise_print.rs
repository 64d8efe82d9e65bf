//! The learned noise print's exchange between the audio thread and the main thread: the
//! print saved with the plugin's state, a lock-free publisher for newly learned prints, and
//! a `try_lock` door for loaded ones. Nothing here blocks or allocates on the audio side.

use std::sync::{Mutex, MutexGuard, PoisonError};

use nice_plug::params::persist::PersistentField;

use super::handoff::Handoff;

use crate::mask::noise_floor::PRINT_POINTS;

/// The audio thread's copy of a print, in a buffer allocated once.
#[derive(Clone)]
struct PrintSnapshot {
    valid: bool,
    density: Vec<f32>,
}

/// The learned noise print as saved with the plugin's state (a density per print-grid point;
/// empty when nothing has been learned), and the two lock-free-on-the-audio-side doors
/// between it and the processor:
///
/// - audio → main: the audio thread publishes each newly learned print through a triple
///   buffer ([`PrintPublisher`]), which never blocks or allocates; the main thread picks the
///   latest one up whenever it reads the print (saving state, the editor).
/// - main → audio: loading state hands the print over through a [`Handoff`], which the
///   audio thread takes without ever waiting.
pub struct NoisePrint {
    saved: Handoff<Vec<f32>>,
    from_audio: Mutex<triple_buffer::Output<PrintSnapshot>>,
    /// The producer half, until the plugin takes it.
    publisher: Mutex<Option<PrintPublisher>>,
}

/// The audio thread's end of [`NoisePrint`].
pub struct PrintPublisher {
    input: triple_buffer::Input<PrintSnapshot>,
}

impl PrintPublisher {
    /// Hands a newly learned print (or its absence) to the main thread. Real-time safe: copies
    /// into a preallocated buffer and swaps an index.
    pub fn publish(&mut self, print: Option<&[f32]>) {
        let snapshot = self.input.input_buffer_mut();
        match print {
            Some(density) if density.len() == snapshot.density.len() => {
                snapshot.density.copy_from_slice(density);
                snapshot.valid = true;
            }
            _ => snapshot.valid = false,
        }
        self.input.publish();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The data is plain numbers, valid whatever a panicking holder was doing.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Default for NoisePrint {
    fn default() -> Self {
        Self::new()
    }
}

impl NoisePrint {
    pub fn new() -> Self {
        let (input, output) = triple_buffer::triple_buffer(&PrintSnapshot {
            valid: false,
            density: vec![0.0; PRINT_POINTS],
        });
        Self {
            saved: Handoff::new(Vec::with_capacity(PRINT_POINTS)),
            from_audio: Mutex::new(output),
            publisher: Mutex::new(Some(PrintPublisher { input })),
        }
    }

    /// The audio thread's end; `None` after the first call (there is one producer).
    pub fn take_publisher(&self) -> Option<PrintPublisher> {
        lock(&self.publisher).take()
    }

    /// Moves the latest published print, if any, into the saved one. Main thread.
    fn pull_published(&self, saved: &mut Vec<f32>) {
        let mut output = lock(&self.from_audio);
        if output.update() {
            let snapshot = output.peek_output_buffer();
            saved.clear();
            if snapshot.valid {
                saved.extend_from_slice(&snapshot.density);
            }
        }
    }

    /// The current print (empty: none). Main thread; allocates.
    pub fn get(&self) -> Vec<f32> {
        let mut saved = self.saved.lock();
        self.pull_published(&mut saved);
        saved.clone()
    }

    /// Runs `install` with the current print and clears any pending load. For `activate()`,
    /// which may lock.
    pub fn install_blocking(&self, install: impl FnOnce(&[f32])) {
        self.saved.install_blocking(|saved| {
            self.pull_published(saved);
            install(saved);
        });
    }

    /// If a state load left a print for the audio thread, runs `install` with it (see
    /// [`Handoff::try_install`]). Real-time safe.
    pub fn try_install_loaded(&self, install: impl FnOnce(&[f32])) {
        self.saved.try_install(|saved| install(saved));
    }
}

impl<'a> PersistentField<'a, Vec<f32>> for NoisePrint {
    fn set(&self, new_value: Vec<f32>) {
        // A print published before the load is older than the loaded one: drop it so that it
        // does not replace the loaded print on the next save.
        let mut discarded = Vec::new();
        self.pull_published(&mut discarded);
        self.saved.replace(new_value);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&Vec<f32>) -> R,
    {
        let mut saved = self.saved.lock();
        self.pull_published(&mut saved);
        f(&saved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_published_print_is_saved_and_a_loaded_one_reaches_the_audio_side() {
        let print = NoisePrint::new();
        let mut publisher = print.take_publisher().unwrap();
        assert!(print.take_publisher().is_none());
        assert!(print.get().is_empty());

        let learned: Vec<f32> = (0..PRINT_POINTS).map(|i| i as f32).collect();
        publisher.publish(Some(&learned));
        assert_eq!(print.map(|saved| saved.clone()), learned);
        // Nothing is pending for the audio thread: the print came from it.
        print.try_install_loaded(|_| panic!("no load is pending"));

        let loaded = vec![0.5; PRINT_POINTS];
        print.set(loaded.clone());
        let mut installed = Vec::new();
        print.try_install_loaded(|density| installed = density.to_vec());
        assert_eq!(installed, loaded);
        print.try_install_loaded(|_| panic!("installed once"));

        publisher.publish(None);
        assert!(print.get().is_empty());
    }
}
