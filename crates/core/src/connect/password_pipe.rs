//! A password handed to a client that reads it from a file (TigerVNC's `-passwd FILE`): the
//! "file" is a named pipe in the session's owner-only folder. Nothing reaches a disk; the
//! bytes wait in the kernel until the client opens the pipe, are read once, and the pipe is
//! removed as soon as they were written to the reader.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use zeroize::Zeroizing;

/// A named pipe that gives its bytes to the first reader, once.
pub struct PasswordPipe {
    path: PathBuf,
    read: Arc<AtomicBool>,
    writer: Option<JoinHandle<()>>,
}

impl PasswordPipe {
    /// Creates the pipe `name` (mode 0600) in `dir` and waits, in a thread, for a reader.
    pub fn create(dir: &Path, name: &str, bytes: Zeroizing<Vec<u8>>) -> std::io::Result<Self> {
        use rustix::fs::Mode;
        let path = dir.join(name);
        rustix::fs::mkfifoat(rustix::fs::CWD, &path, Mode::RUSR | Mode::WUSR)?;
        let read = Arc::new(AtomicBool::new(false));
        let (to, flag) = (path.clone(), Arc::clone(&read));
        let writer = std::thread::Builder::new()
            .name("password-pipe".into())
            .spawn(move || {
                // Blocks until a reader opens the pipe.
                if let Ok(mut pipe) = std::fs::OpenOptions::new().write(true).open(&to) {
                    let _ = std::fs::remove_file(&to);
                    if pipe.write_all(&bytes).is_ok() {
                        flag.store(true, Ordering::SeqCst);
                    }
                }
                let _ = std::fs::remove_file(&to);
            })?;
        Ok(Self {
            path,
            read,
            writer: Some(writer),
        })
    }

    /// The pipe's path, for the client.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether a reader took the bytes.
    pub fn was_read(&self) -> bool {
        self.read.load(Ordering::SeqCst)
    }
}

impl Drop for PasswordPipe {
    fn drop(&mut self) {
        // A writer still waiting for a reader is released by one that reads nothing.
        if !self.was_read() {
            use rustix::fs::{Mode, OFlags};
            if let Ok(fd) =
                rustix::fs::open(&self.path, OFlags::RDONLY | OFlags::NONBLOCK, Mode::empty())
            {
                if let Some(w) = self.writer.take() {
                    let _ = w.join();
                }
                drop(fd);
            }
        }
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_bytes_are_read_once_and_the_pipe_is_gone_after() {
        let dir = tempfile::tempdir().unwrap();
        let pipe =
            PasswordPipe::create(dir.path(), "p", Zeroizing::new(b"12345678".to_vec())).unwrap();
        use std::os::unix::fs::{FileTypeExt, PermissionsExt};
        let meta = std::fs::metadata(pipe.path()).unwrap();
        assert!(meta.file_type().is_fifo());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        let mut got = Vec::new();
        std::fs::File::open(pipe.path())
            .unwrap()
            .read_to_end(&mut got)
            .unwrap();
        assert_eq!(got, b"12345678");
        let path = pipe.path().to_owned();
        drop(pipe);
        assert!(!path.exists());
    }

    #[test]
    fn a_pipe_nobody_read_is_released_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = PasswordPipe::create(dir.path(), "p", Zeroizing::new(b"x".to_vec())).unwrap();
        let path = pipe.path().to_owned();
        assert!(!pipe.was_read());
        drop(pipe);
        assert!(!path.exists());
    }
}
