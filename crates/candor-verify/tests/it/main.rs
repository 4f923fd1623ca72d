//! candor-verify against real file systems: links, wrappers and package layouts made in
//! temporary directories, by hand and by the real package managers (`npm`, `pip` in a
//! venv) where they are installed.

// clippy.toml allows `unwrap` in `#[test]` functions only, not in the helpers they call.
#![allow(clippy::unwrap_used)]

mod layout;
mod resolve;
mod resolve_installers;
