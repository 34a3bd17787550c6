//! The Windows rules for guest paths: a component that names a device
//! (`CON`, `NUL`, `COM1`, `LPT1.txt`, `conin$`, ...) or holds a drive or
//! stream prefix (`C:`, `file:stream`) or a backslash would, on a Windows
//! host, reach outside the preopened directory or a device instead of a
//! file there (GHSA-c2f5-jxjv-2hh8, GHSA-f2pq-268w-886c). On Windows every
//! guest path is checked before it reaches cap-std; elsewhere these are
//! ordinary names. The rules are plain string checks, unit-tested on every
//! platform.

use wasi_common_compat::{Error, Result};

/// The device names Windows reserves in every directory, in upper case.
const DEVICES: [&str; 6] = ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"];

/// True if `component` (one name of a path, no `/`) names a Windows device
/// or holds a character Windows reads as a separator or a drive/stream
/// prefix.
pub(crate) fn refused(component: &str) -> bool {
    if component.contains(['\\', ':']) {
        return true;
    }
    // Windows ignores trailing dots and spaces, and a device name keeps its
    // meaning whatever extension follows it (`NUL.txt`, `con .log`).
    let stem = component.split('.').next().unwrap_or(component);
    let stem = stem.trim_end_matches([' ', '.']).to_ascii_uppercase();
    if DEVICES.contains(&stem.as_str()) {
        return true;
    }
    for port in ["COM", "LPT"] {
        if let Some(digit) = stem.strip_prefix(port)
            && matches!(
                digit,
                "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³"
            )
        {
            return true;
        }
    }
    false
}

/// Checks every component of a guest path against [`refused`].
/// Errors: `EPERM` (as for a sandbox escape) for a refused component.
pub(crate) fn check_all(path: &str) -> Result<()> {
    if path.split('/').any(refused) {
        return Err(Error::perm().context("a Windows device name or drive prefix in a guest path"));
    }
    Ok(())
}

/// What each path call of the sync backend runs first: [`check_all`] on
/// Windows, nothing elsewhere.
#[inline]
pub(crate) fn check(path: &str) -> Result<()> {
    if cfg!(windows) { check_all(path) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ghsa_c2f5_jxjv_2hh8_device_names_are_refused_in_any_case_and_with_any_extension() {
        for name in [
            "CON",
            "con",
            "Con",
            "PRN",
            "AUX",
            "NUL",
            "nul.txt",
            "NUL.tar.gz",
            "con.",
            "con ",
            "CON .txt",
            "COM1",
            "com9",
            "COM0",
            "LPT1",
            "lpt3.log",
            "COM¹",
            "LPT²",
            "CONIN$",
            "conout$",
        ] {
            assert!(refused(name), "{name:?}");
        }
    }

    #[test]
    fn ghsa_f2pq_268w_886c_drive_and_stream_prefixes_and_backslashes_are_refused() {
        for name in ["C:", "c:foo", "file:stream", "file::$DATA", "a\\b", "\\\\server", ".."] {
            if name == ".." {
                // `..` is cap-std's to refuse (it may stay inside).
                assert!(!refused(name));
                continue;
            }
            assert!(refused(name), "{name:?}");
        }
    }

    #[test]
    fn ordinary_names_pass() {
        for name in [
            "",
            ".",
            "file",
            "CONSOLE",
            "icon",
            "nullable",
            "COM",
            "COM10",
            "LPT",
            "lpt10.txt",
            "xCON",
            "auxiliary",
            "con_fig",
            "COMA",
            "a.con",
            "über",
        ] {
            assert!(!refused(name), "{name:?}");
        }
    }

    #[test]
    fn whole_paths() {
        assert!(check_all("dir/sub/file.txt").is_ok());
        assert!(check_all("a/../b/./c").is_ok());
        assert!(check_all("dir/NUL").is_err());
        assert!(check_all("dir/COM1.txt/x").is_err());
        assert!(check_all("C:/Windows").is_err());
        assert!(check_all("ok/c:evil").is_err());
        // Off Windows the sync backend does not apply them.
        if !cfg!(windows) {
            assert!(check("dir/NUL").is_ok());
        }
    }
}
