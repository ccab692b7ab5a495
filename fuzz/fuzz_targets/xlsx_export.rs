//! The complaint export read as an XLSX workbook: the ZIP directory check (declared sizes, ZIP64),
//! calamine's workbook and streaming cell reader, the caps on rows, columns, cells and text, and
//! the rows the import makes of the cells.
//!
//! An input that starts with a ZIP signature is used as the file itself, which exercises the ZIP
//! parsing. Any other input is a list of parts packed here into a valid, uncompressed ZIP, so that
//! mutations reach the XML instead of breaking a deflate stream or a checksum: the parts are
//! separated by NUL bytes (XML never holds one), and each is its entry name, a newline, then its
//! contents (e.g. `xl/worksheets/sheet1.xml\n<worksheet …`).
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tingjian_fuzz::run(|| {
        let bytes = if data.starts_with(b"PK\x03\x04") { data.to_vec() } else { pack(data) };
        let path = tingjian_fuzz::scratch("export.xlsx", &bytes);
        tingjian_fuzz::read_export(&path);
    });
});

/// The parts of `data` as an uncompressed ZIP archive; a part whose name repeats an earlier one is
/// left out (a ZIP writer refuses duplicates).
fn pack(data: &[u8]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for part in data.split(|&b| b == 0) {
        let (name, contents) = match part.iter().position(|&b| b == b'\n') {
            Some(at) => (&part[..at], &part[at + 1..]),
            None => (part, &[][..]),
        };
        let name = String::from_utf8_lossy(name);
        if zip.start_file(name.as_ref(), options).is_ok() {
            let _ = zip.write_all(contents);
        }
    }
    zip.finish().map(std::io::Cursor::into_inner).unwrap_or_default()
}
