//! Where an output may go: never onto the input. How it is written, whole or not at all, is
//! `spectral_mask::partial_file`'s.

use std::fs;
use std::path::Path;

use spectral_mask::partial_file::parent_dir;

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
