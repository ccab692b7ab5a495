//! The complaint export read as CSV text (UTF-8, UTF-8 with a byte-order mark, or GB18030):
//! encoding detection, the CSV parser, the caps on rows, columns, cells and text, the header search
//! and every row's fields and times.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tingjian_fuzz::run(|| {
        // The reader decides the format by content; inputs that start like a ZIP or an OLE file are
        // the spreadsheet readers' and belong to the xlsx_export target.
        if data.starts_with(b"PK\x03\x04") || data.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return;
        }
        let path = tingjian_fuzz::scratch("export.csv", data);
        tingjian_fuzz::read_export(&path);
    });
});
