//! `portcullis-docgen ROOT`: writes the CLI's and the app's man pages and the CLI's shell
//! completions under ROOT at their installed places (`ROOT/usr/share/…`), for the Debian
//! package (`scripts/package`, `scripts/package-files`). Lists the files written.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(root), None) = (args.next(), args.next()) else {
        eprintln!("usage: portcullis-docgen ROOT");
        return ExitCode::from(2);
    };
    match portcullis_docgen::write_tree(&PathBuf::from(root)) {
        Ok(files) => {
            for f in files {
                println!("{}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
