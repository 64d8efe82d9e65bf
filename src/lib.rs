//! Spectral Mask: an STFT spectral gate without time aliasing.

pub mod analysis;
pub mod choice;
pub mod config;
pub mod editor;
pub mod mask;
pub mod params;
pub mod partial_file;
pub mod plugin;
pub mod preset;
pub mod processor;
pub mod settings;
pub mod stft;
pub mod viz;
