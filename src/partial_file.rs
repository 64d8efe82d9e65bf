//! Files that appear whole or not at all: the content goes to a hidden temporary file next to
//! the target and is renamed into place only once complete and synced. A rename within a
//! directory is atomic, so a reader (or a crash, a full disk, Ctrl-C) sees either the old
//! file or the whole new one; any failure removes the temporary. The command line's renders
//! and pictures and the editor's presets are written this way.

use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

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
    pub fn create(target: &Path) -> io::Result<(Self, File)> {
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
        let mut temp_name = OsString::from(".");
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
        }?;
        let partial = Self {
            temp,
            target: target.to_path_buf(),
            committed: false,
        };
        Ok((partial, file))
    }

    /// Syncs the finished temporary file and renames it over the target.
    pub fn commit(mut self) -> io::Result<()> {
        File::open(&self.temp)?.sync_all()?;
        fs::rename(&self.temp, &self.target)?;
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

/// Writes `bytes` to `target`, whole or not at all, creating its directory if need be.
pub fn write_whole(target: &Path, bytes: &[u8]) -> io::Result<()> {
    fs::create_dir_all(parent_dir(target))?;
    let (partial, mut file) = PartialFile::create(target)?;
    file.write_all(bytes)?;
    drop(file);
    partial.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.wav");
        let (partial, mut file) = PartialFile::create(&target).unwrap();
        file.write_all(b"half").unwrap();
        assert!(!target.exists());
        drop(file);
        partial.commit().unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"half");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
    }

    #[test]
    fn a_dropped_file_leaves_the_old_one_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("preset.json");
        fs::write(&target, b"old").unwrap();
        let (partial, mut file) = PartialFile::create(&target).unwrap();
        file.write_all(b"new, unfinished").unwrap();
        drop(partial);
        assert_eq!(fs::read(&target).unwrap(), b"old");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn write_whole_makes_the_directory_and_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("presets").join("mine.json");
        write_whole(&target, b"one").unwrap();
        write_whole(&target, b"two").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"two");
    }
}
