//! Copying secrets: the text goes to the system clipboard from Rust (the page never needs the
//! secret to copy it), marked so that clipboard managers keep it out of their history (on
//! Linux, the `x-kde-passwordManagerHint` target that KDE's Klipper and others honour), and
//! is cleared after a delay, or on lock, if the clipboard still holds it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zeroize::Zeroizing;

/// What the clipboard can do; the system one, or a fake in tests.
pub trait Board: Send + 'static {
    fn set(&mut self, text: &str) -> bool;
    fn get(&mut self) -> Option<String>;
    fn clear(&mut self);
    /// An image on the clipboard: width, height and RGBA bytes.
    fn image(&mut self) -> Option<(usize, usize, Vec<u8>)>;
}

impl Board for arboard::Clipboard {
    #[cfg(target_os = "linux")]
    fn set(&mut self, text: &str) -> bool {
        use arboard::SetExtLinux;
        self.set()
            .exclude_from_history()
            .text(text.to_owned())
            .is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    fn set(&mut self, text: &str) -> bool {
        self.set_text(text.to_owned()).is_ok()
    }
    fn get(&mut self) -> Option<String> {
        self.get_text().ok()
    }
    fn clear(&mut self) {
        let _ = arboard::Clipboard::clear(self);
    }
    fn image(&mut self) -> Option<(usize, usize, Vec<u8>)> {
        self.get_image()
            .ok()
            .map(|i| (i.width, i.height, i.bytes.into_owned()))
    }
}

/// The app's clipboard for secrets.
pub struct SecretClipboard<B: Board> {
    board: Arc<Mutex<Option<B>>>,
    /// Bumped on every copy, so an older timer does not clear a newer secret early.
    generation: Arc<AtomicU64>,
    /// The last secret copied, to clear on lock if the clipboard still holds it.
    last: Mutex<Option<Zeroizing<String>>>,
}

impl<B: Board> SecretClipboard<B> {
    pub fn new(board: Option<B>) -> Self {
        Self {
            board: Arc::new(Mutex::new(board)),
            generation: Arc::new(AtomicU64::new(0)),
            last: Mutex::new(None),
        }
    }

    /// On lock: clears the clipboard if it still holds the last secret copied.
    pub fn forget(&self) {
        let Some(text) = self.last.lock().unwrap_or_else(|p| p.into_inner()).take() else {
            return;
        };
        self.generation.fetch_add(1, Ordering::SeqCst);
        clear_if_holds(&self.board, &text);
    }

    /// The image on the clipboard, if there is one (a screenshot of a QR code).
    pub fn image(&self) -> Option<(usize, usize, Vec<u8>)> {
        self.board
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
            .and_then(Board::image)
    }

    /// Copies `text`; after `clear_after`, clears the clipboard if it still holds `text` and
    /// nothing was copied since. False when there is no clipboard.
    pub fn copy(&self, text: Zeroizing<String>, clear_after: Duration) -> bool {
        let copied = match self
            .board
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
        {
            Some(b) => b.set(&text),
            None => false,
        };
        if !copied {
            return false;
        }
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some(text.clone());
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let (board, current) = (self.board.clone(), self.generation.clone());
        std::thread::spawn(move || {
            std::thread::sleep(clear_after);
            if current.load(Ordering::SeqCst) == generation {
                clear_if_holds(&board, &text);
            }
        });
        true
    }
}

fn clear_if_holds<B: Board>(board: &Mutex<Option<B>>, text: &str) {
    if let Some(b) = board.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
        if b.get()
            .is_some_and(|now| Zeroizing::new(now).as_str() == text)
        {
            b.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Default)]
    struct Fake(Arc<Mutex<String>>);

    impl Board for Fake {
        fn set(&mut self, text: &str) -> bool {
            *self.0.lock().unwrap() = text.to_owned();
            true
        }
        fn get(&mut self) -> Option<String> {
            Some(self.0.lock().unwrap().clone())
        }
        fn clear(&mut self) {
            self.0.lock().unwrap().clear();
        }
        fn image(&mut self) -> Option<(usize, usize, Vec<u8>)> {
            None
        }
    }

    fn wait() {
        std::thread::sleep(Duration::from_millis(150));
    }

    #[test]
    fn clears_what_it_copied() {
        let fake = Fake::default();
        let cb = SecretClipboard::new(Some(fake.clone()));
        assert!(cb.copy(Zeroizing::new("s3cret".into()), Duration::from_millis(50)));
        assert_eq!(*fake.0.lock().unwrap(), "s3cret");
        wait();
        assert_eq!(*fake.0.lock().unwrap(), "");
    }

    #[test]
    fn leaves_what_someone_else_copied_since() {
        let mut fake = Fake::default();
        let cb = SecretClipboard::new(Some(fake.clone()));
        cb.copy(Zeroizing::new("s3cret".into()), Duration::from_millis(50));
        fake.set("mine");
        wait();
        assert_eq!(*fake.0.lock().unwrap(), "mine");
    }

    #[test]
    fn the_lock_clears_the_secret_and_leaves_anything_else() {
        let mut fake = Fake::default();
        let cb = SecretClipboard::new(Some(fake.clone()));
        cb.copy(Zeroizing::new("s3cret".into()), Duration::from_secs(60));
        cb.forget();
        assert_eq!(*fake.0.lock().unwrap(), "");
        cb.copy(Zeroizing::new("s3cret".into()), Duration::from_secs(60));
        fake.set("mine");
        cb.forget();
        assert_eq!(*fake.0.lock().unwrap(), "mine");
    }

    #[test]
    fn a_newer_copy_is_not_cleared_by_an_older_timer() {
        let fake = Fake::default();
        let cb = SecretClipboard::new(Some(fake.clone()));
        cb.copy(Zeroizing::new("first".into()), Duration::from_millis(30));
        cb.copy(Zeroizing::new("second".into()), Duration::from_millis(400));
        wait();
        assert_eq!(*fake.0.lock().unwrap(), "second");
        assert!(
            !SecretClipboard::<Fake>::new(None).copy(Zeroizing::new("x".into()), Duration::ZERO)
        );
    }
}
