//! Placeholder until the nice-plug wrapper lands (helper task in progress).
/// Runs the standalone app with `args`; false on failure.
pub fn run_standalone(_args: Vec<String>) -> bool {
    false
}
