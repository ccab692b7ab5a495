//! The report's typefaces: Noto Sans CJK SC, regular and bold, the static (non-variable) OpenType
//! fonts Debian ships in `fonts-noto-cjk`. They cover Chinese, Latin and digits, so every line of
//! the report is set in one family and no fallback is needed. Found on the machine rather than
//! bundled (40 MB), so the same report gives the same bytes wherever the same font files are
//! installed; the PDF names the fonts it embedded.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::ReportError;

/// The family the report is set in.
pub const FAMILY: &str = "Noto Sans CJK SC";

/// Where the fonts are looked for, after the folder named by `TINGJIAN_REPORT_FONTS`.
const SEARCHED: &[&str] = &[
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/share/fonts/opentype",
    "/usr/local/share/fonts",
];

/// One face: the font file's bytes and the face's index inside it (a `.ttc` holds several).
#[derive(Clone)]
pub struct Face {
    pub(crate) data: Arc<Vec<u8>>,
    pub(crate) index: u32,
    pub(crate) path: PathBuf,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face").field("path", &self.path).field("index", &self.index).finish()
    }
}

impl Face {
    /// The file the face was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The regular and bold faces. Loading reads ~40 MB, so a process loads them once.
#[derive(Debug, Clone)]
pub struct ReportFonts {
    pub(crate) regular: Face,
    pub(crate) bold: Face,
}

impl ReportFonts {
    /// Finds the faces in `TINGJIAN_REPORT_FONTS` (a folder) or the system's font folders.
    pub fn find() -> Result<ReportFonts, ReportError> {
        let mut folders: Vec<PathBuf> = Vec::new();
        if let Some(folder) = std::env::var_os("TINGJIAN_REPORT_FONTS") {
            folders.push(PathBuf::from(folder));
        }
        folders.extend(SEARCHED.iter().map(PathBuf::from));
        if let Some(home) = std::env::var_os("HOME") {
            folders.push(Path::new(&home).join(".local/share/fonts"));
        }
        Self::find_in(&folders)
    }

    /// Finds the faces in `folders`, the first folder that has a file first.
    pub fn find_in(folders: &[PathBuf]) -> Result<ReportFonts, ReportError> {
        let regular = find_face(folders, false)?;
        let bold = find_face(folders, true)?;
        match (regular, bold) {
            (Some(regular), Some(bold)) => Ok(ReportFonts { regular, bold }),
            _ => Err(ReportError::FontsMissing { searched: folders.to_vec() }),
        }
    }

    /// The files the faces were read from, regular then bold.
    pub fn paths(&self) -> [&Path; 2] {
        [self.regular.path(), self.bold.path()]
    }
}

/// The file names Noto Sans CJK goes by: Debian's collection, and the single-face files other
/// systems and Google's downloads use.
fn candidates(bold: bool) -> [&'static str; 3] {
    if bold {
        ["NotoSansCJK-Bold.ttc", "NotoSansCJKsc-Bold.otf", "NotoSansSC-Bold.otf"]
    } else {
        ["NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf", "NotoSansSC-Regular.otf"]
    }
}

fn find_face(folders: &[PathBuf], bold: bool) -> Result<Option<Face>, ReportError> {
    for folder in folders {
        for name in candidates(bold) {
            let path = folder.join(name);
            if !path.is_file() {
                continue;
            }
            let data = std::fs::read(&path)
                .map_err(|source| ReportError::FontUnreadable { path: path.clone(), reason: source.to_string() })?;
            if let Some(index) = simplified_chinese_face(&data) {
                return Ok(Some(Face { data: Arc::new(data), index, path }));
            }
        }
    }
    Ok(None)
}

/// The index of the simplified-Chinese face (family "Noto Sans CJK SC", or "Noto Sans SC" in a
/// single-face file), or `None` when the file has none.
fn simplified_chinese_face(data: &[u8]) -> Option<u32> {
    let count = ttf_parser::fonts_in_collection(data).unwrap_or(1);
    (0..count).find(|&index| {
        let Ok(face) = ttf_parser::Face::parse(data, index) else {
            return false;
        };
        face.names().into_iter().any(|name| {
            name.name_id == ttf_parser::name_id::FAMILY
                && name.is_unicode()
                && name.to_string().is_some_and(|family| family == FAMILY || family == "Noto Sans SC")
        })
    })
}
