//! Every indicator of a scan, one per line (`kind<TAB>value<TAB>chain<TAB>file<TAB>excerpt`), for
//! measuring the scanner's precision on real releases without building the CLI:
//!
//! ```sh
//! cargo run -q -p candor-scan --example values -- /work/corpus/axios-1.21.1.tgz \
//!   | cut -f1 | sort | uniq -c
//! cargo run -q -p candor-scan --example values -- /usr/bin/git | grep '^domain'
//! ```

#![allow(clippy::print_stdout)]

use std::io::Write as _;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args_os().nth(1).ok_or("usage: values PATH")?;
    let scanner = candor_scan::Scanner::new(
        candor_scan::rules::detectors(&[])?,
        candor_scan::ScanOptions::default(),
    );
    let report = candor_scan::scan_path(&scanner, std::path::Path::new(&path))?;
    let mut out = std::io::stdout().lock();
    for i in &report.indicators {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}",
            i.kind,
            i.value.escape_debug(),
            i.chain_text(),
            i.evidence.file.escape_debug(),
            i.evidence.excerpt.escape_debug()
        )?;
    }
    Ok(())
}
