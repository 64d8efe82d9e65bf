//! Writing an output file safely: never onto the input, never half-written.
//!
//! The output goes to a hidden temporary file next to it and is renamed into place only
//! once complete and synced; a rename within a directory is atomic, so a reader (or a
//! crash) sees either the old file or the whole new one. Any failure removes the temporary.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use super::error::CliError;

/// Fails if writing `output` would replace `input`: the same path however spelled
/// (`./x.wav`, `dir/../x.wav`), a symbolic link to it, or a hard link to the same file.
///
/// An input that does not exist passes here; reading it reports that.
pub fn check_not_input(input: &Path, output: &Path) -> Result<(), CliError> {
    let Ok(input_canonical) = fs::canonicalize(input) else {
        return Ok(());
    };
    let same = match fs::canonicalize(output) {
        Ok(output_canonical) => {
            output_canonical == input_canonical || same_file(&input_canonical, &output_canonical)
        }
        // The output does not exist yet: compare where it would be created.
        Err(_) => match (parent_dir(output).canonicalize(), output.file_name()) {
            (Ok(dir), Some(name)) => dir.join(name) == input_canonical,
            _ => false,
        },
    };
    if same {
        return Err(CliError::OutputIsInput {
            input: input.to_path_buf(),
            output: output.to_path_buf(),
        });
    }
    Ok(())
}

/// Two names for one file (hard links) have the same device and inode.
#[cfg(unix)]
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_a: &Path, _b: &Path) -> bool {
    false
}

/// The directory a relative or absolute path lives in (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// A temporary file that becomes `target` on [`PartialFile::commit`] and is removed if
/// dropped before that (an error, a panic unwinding).
pub struct PartialFile {
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl PartialFile {
    /// Creates `.NAME.partial` next to `target` and opens it for writing. The name has no
    /// process id, so a temporary that a killed run left (a second Ctrl-C ends the process
    /// at once) is found and replaced by the next run instead of lying there for good.
    pub fn create(target: &Path) -> Result<(Self, File), CliError> {
        let name = target.file_name().ok_or_else(|| {
            CliError::write(
                target,
                io::Error::new(io::ErrorKind::InvalidInput, "not a file name"),
            )
        })?;
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(".partial");
        let temp = parent_dir(target).join(temp_name);
        let open = || OpenOptions::new().write(true).create_new(true).open(&temp);
        let file = match open() {
            // Left by an earlier run that was killed: it is ours to drop.
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                fs::remove_file(&temp).and_then(|()| open())
            }
            other => other,
        }
        .map_err(|error| CliError::write(target, error))?;
        Ok((
            Self {
                temp,
                target: target.to_path_buf(),
                committed: false,
            },
            file,
        ))
    }

    /// Syncs the finished temporary file and renames it over the target.
    pub fn commit(mut self) -> Result<(), CliError> {
        File::open(&self.temp)
            .and_then(|file| file.sync_all())
            .and_then(|()| fs::rename(&self.temp, &self.target))
            .map_err(|error| CliError::write(&self.target, error))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.temp);
        }
    }
}
