//! Spectral Mask: an STFT spectral gate without time aliasing.

pub mod config;
pub mod mask;
pub mod processor;
pub mod settings;
pub mod stft;
