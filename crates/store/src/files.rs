//! Owner-only files opened without following symbolic links: a file
//! planted as a link in the data dir (the database, its lock, the audit
//! log, the credentials) is refused, never written through, and modes are
//! set on the open file, never on whatever a path points at.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// The mode of every private file: owner only.
pub const PRIVATE_MODE: u32 = 0o600;

/// How a private file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Open {
    /// An existing file, read only.
    Read,
    /// Created if missing, appended to.
    Append,
    /// Created if missing, opened for writing (kept as it is).
    Write,
    /// Created; fails if anything is there already.
    CreateNew,
}

/// Opens `path` as `how` says without following a symbolic link (a link
/// is refused with an error that says so), checks it is a regular file, and
/// sets it to [`PRIVATE_MODE`] through the open file.
pub fn open_private(path: &Path, how: Open) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.custom_flags(libc::O_NOFOLLOW).mode(PRIVATE_MODE);
    match how {
        Open::Read => o.read(true),
        Open::Append => o.create(true).append(true),
        Open::Write => o.create(true).write(true).truncate(false),
        Open::CreateNew => o.create_new(true).write(true),
    };
    let f = o.open(path).map_err(|e| {
        if e.raw_os_error() == Some(libc::ELOOP) {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "`{}` is a symbolic link; private files are never opened through links (replace it with the file itself)",
                    path.display()
                ),
            )
        } else {
            e
        }
    })?;
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{}` is not a regular file", path.display()),
        ));
    }
    if meta.permissions().mode() & 0o777 != PRIVATE_MODE {
        f.set_permissions(std::fs::Permissions::from_mode(PRIVATE_MODE))?;
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_refused_and_modes_set_on_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target");
        std::fs::write(&target, b"x").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        for how in [Open::Read, Open::Append, Open::Write, Open::CreateNew] {
            assert!(open_private(&link, how).is_err(), "{how:?}");
        }
        // The link's target keeps its mode.
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
        // A plain file is tightened through its handle.
        open_private(&target, Open::Append).unwrap();
        let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let e = open_private(&link, Open::Read).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
    }
}
