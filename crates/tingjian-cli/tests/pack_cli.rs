//! The evidence pack through the real binary: exported from a demo vault with accounts (so the
//! manifest and checkpoint are signed), it verifies with no vault; and each thing an examiner
//! could be handed altered (an event, a signature, an audio byte, an evidence file, the manifest,
//! the report, a figure), a truncated zip and a zip with an extra file, fails with exit 2 and the
//! finding names it.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;
use common::{json, private_demo_calls, tingjian_as};

struct Demo {
    _temp: tempfile::TempDir,
    dir: PathBuf,
    vault: PathBuf,
    env: Vec<(String, String)>,
    quarter: String,
}

fn demo() -> Demo {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().to_owned();
    let vault = dir.join("demo");
    let data = private_demo_calls(&dir);
    let made =
        tingjian_as(&vault, "li.min", &[], &["--json", "demo", "--accounts", "--data", data.to_str().expect("utf-8")]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let quarter = json(&made)["quarter"].as_str().expect("quarter").to_owned();
    let passphrase = dir.join("passphrase");
    std::fs::write(&passphrase, tingjian_vault::DEMO_PASSPHRASE).expect("write");
    let env = vec![("TINGJIAN_PASSPHRASE_FILE".to_owned(), passphrase.display().to_string())];
    Demo { _temp: temp, dir, vault, env, quarter }
}

fn export(demo: &Demo, out: &Path) -> Value {
    let output = tingjian_as(
        &demo.vault,
        "li.min",
        &demo.env,
        &[
            "--json",
            "pack",
            "export",
            "--quarter",
            &demo.quarter,
            "--out",
            out.to_str().expect("utf-8"),
            "--with-audio",
            "--with-personal-data",
            "--reason",
            "监管现场检查调阅",
        ],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    json(&output)
}

/// `pack verify` with no vault: its exit code and findings.
fn verify(pack: &Path) -> (i32, Value) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tingjian"))
        .args(["--json", "pack", "verify", pack.to_str().expect("utf-8")])
        .env("TINGJIAN_VAULT", "/nonexistent/no-vault-needed")
        .output()
        .expect("run");
    (output.status.code().unwrap_or(-1), json(&output))
}

/// The pack's entries, in order, each with its bytes.
fn entries(pack: &Path) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(pack).expect("open")).expect("zip");
    (0..zip.len())
        .map(|i| {
            let mut file = zip.by_index(i).expect("entry");
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).expect("read");
            (file.name().expect("a text name").into_owned(), bytes)
        })
        .collect()
}

/// A copy of the pack with `change` applied to its entries (return `None` to keep one as it is).
fn rewritten(pack: &Path, out: &Path, extra: Option<(&str, &[u8])>, change: impl Fn(&str, &[u8]) -> Option<Vec<u8>>) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(out).expect("create"));
    let options = zip::write::SimpleFileOptions::default();
    for (name, bytes) in entries(pack) {
        zip.start_file(name.as_str(), options).expect("start");
        zip.write_all(&change(&name, &bytes).unwrap_or(bytes)).expect("write");
    }
    if let Some((name, bytes)) = extra {
        zip.start_file(name, options).expect("start");
        zip.write_all(bytes).expect("write");
    }
    zip.finish().expect("finish");
}

fn subjects(findings: &Value) -> Vec<(String, String)> {
    findings["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (p["kind"].as_str().unwrap_or_default().to_owned(), p["subject"].as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

fn assert_names(findings: &Value, kind: &str, subject: &str) {
    let found = subjects(findings);
    assert!(
        found.iter().any(|(k, s)| k == kind && s.contains(subject)),
        "expected a {kind} finding naming {subject}: {found:?}"
    );
}

#[test]
fn an_exported_pack_verifies_with_no_vault_and_its_export_is_in_the_log() {
    let demo = demo();
    let pack = demo.dir.join("证据包.zip");
    let exported = export(&demo, &pack);
    assert_eq!(exported["signed_by"], "li.min");
    let (code, findings) = verify(&pack);
    assert_eq!(code, 0, "{findings:#}");
    assert_eq!(findings["ok"], true);
    assert!(findings["exporter_key"].as_str().is_some_and(|k| k.starts_with("SHA256:")), "{findings}");
    assert!(findings["figures_checked"].as_u64().unwrap_or(0) > 100, "the report's figures were recomputed");
    assert_eq!(findings["events_checked"], exported["export_event"]);

    // The export is the log's last event, with why personal data went out.
    let db = rusqlite::Connection::open_with_flags(
        demo.vault.join(tingjian_vault::DATABASE_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("db");
    let (kind, actor, payload): (String, String, String) = db
        .query_row("SELECT kind, actor, payload FROM events ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("last event");
    assert_eq!((kind.as_str(), actor.as_str()), ("pack_exported", "li.min"));
    assert!(payload.contains("监管现场检查调阅"), "{payload}");

    // The copy of the database carries the public keys, never the sealed private ones (which a
    // recipient could attack offline) nor anyone's unsent drafts.
    let copy = demo.dir.join("copy-of-pack.sqlite");
    let database = entries(&pack).into_iter().find(|(n, _)| n == tingjian_pack::DATABASE).expect("database").1;
    std::fs::write(&copy, database).expect("write");
    let copied = rusqlite::Connection::open(&copy).expect("copy");
    let count = |db: &rusqlite::Connection, table: &str| -> i64 {
        db.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).expect(table)
    };
    assert!(count(&db, "sealed_keys") > 0 && count(&copied, "person_keys") > 0);
    assert_eq!((count(&copied, "sealed_keys"), count(&copied, "drafts")), (0, 0));

    // The sampled calls' recordings are in it, and every stored file is named by its hash.
    let names: Vec<String> = entries(&pack).into_iter().map(|(name, _)| name).collect();
    let sampled: i64 = db
        .query_row("SELECT count(DISTINCT recording_hash) FROM assignments WHERE quarter = ?1", [&demo.quarter], |r| {
            r.get(0)
        })
        .expect("sampled");
    assert_eq!(names.iter().filter(|n| n.starts_with("audio/")).count() as i64, sampled);
    for (name, bytes) in entries(&pack) {
        if let Some(hash) = name.strip_prefix("audio/").or_else(|| name.strip_prefix("evidence/")) {
            assert_eq!(blake3::hash(&bytes).to_hex().as_str(), hash, "{name}");
        }
    }

    // Without personal data the export is refused, before anything is recorded.
    let events_before: i64 = db.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).expect("count");
    let refused = tingjian_as(
        &demo.vault,
        "li.min",
        &demo.env,
        &[
            "--json",
            "pack",
            "export",
            "--quarter",
            &demo.quarter,
            "--out",
            demo.dir.join("x.zip").to_str().expect("utf-8"),
        ],
    );
    assert_eq!(json(&refused)["error"]["code"], "INVALID_INPUT");
    let events_after: i64 = db.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).expect("count");
    assert_eq!(events_before, events_after);
    assert!(!demo.dir.join("x.zip").exists());
}

#[test]
fn each_thing_altered_in_a_pack_fails_it_and_is_named() {
    let demo = demo();
    let pack = demo.dir.join("pack.zip");
    export(&demo, &pack);
    let all = entries(&pack);
    let first = |prefix: &str| all.iter().find(|(n, _)| n.starts_with(prefix)).map(|(n, _)| n.clone()).expect(prefix);
    let audio = first("audio/");
    let evidence = first("evidence/");
    let case = |name: &str| demo.dir.join(format!("{name}.zip"));

    // An audio byte.
    let altered = case("audio-byte");
    rewritten(&pack, &altered, None, |name, bytes| {
        (name == audio).then(|| {
            let mut bytes = bytes.to_vec();
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x01;
            bytes
        })
    });
    let (code, findings) = verify(&altered);
    assert_eq!(code, 2);
    // Twice: against the manifest, and against the hash the recording is named by.
    let named = subjects(&findings).into_iter().filter(|(k, s)| k == "file_altered" && *s == audio).count();
    assert_eq!(named, 2, "{findings:#}");

    // The same, flipped inside the pack file where the recording is stored uncompressed (the
    // verifier hashes such entries in place, in the mapped file, not through the zip reader).
    let altered = case("audio-in-place");
    let mut raw = std::fs::read(&pack).expect("read");
    let content = &all.iter().find(|(n, _)| *n == audio).expect("audio").1;
    let probe = &content[..64];
    let at = raw.windows(64).position(|w| w == probe).expect("the recording is stored as is") + content.len() / 2;
    raw[at] ^= 0x01;
    std::fs::write(&altered, &raw).expect("write");
    let (code, findings) = verify(&altered);
    assert_eq!(code, 2);
    let named = subjects(&findings).into_iter().filter(|(k, s)| k == "file_altered" && *s == audio).count();
    assert_eq!(named, 2, "{findings:#}");

    // An evidence file.
    let altered = case("evidence");
    rewritten(&pack, &altered, None, |name, bytes| (name == evidence).then(|| [bytes, b" (edited)"].concat()));
    let (code, findings) = verify(&altered);
    assert_eq!(code, 2);
    assert_names(&findings, "file_altered", &evidence);

    // An event of the log, inside the database copy.
    let altered = case("event");
    rewritten(&pack, &altered, None, |name, bytes| {
        (name == tingjian_pack::DATABASE).then(|| {
            let file = demo.dir.join("copy.sqlite");
            std::fs::write(&file, bytes).expect("write");
            let db = rusqlite::Connection::open(&file).expect("db");
            // A forger drops the guard first; the triggers only stop accidents.
            db.execute_batch("DROP TRIGGER events_append_only_update;").expect("drop the guard");
            db.execute("UPDATE events SET payload = replace(payload, '坐席', '柜员') WHERE kind = 'note_added'", [])
                .expect("edit");
            drop(db);
            std::fs::read(&file).expect("read")
        })
    });
    let (code, findings) = verify(&altered);
    assert_eq!(code, 2);
    assert_names(&findings, "file_altered", tingjian_pack::DATABASE);
    assert_names(&findings, "log", "event #");

    // The manifest's signature.
    let altered = case("signature");
    rewritten(&pack, &altered, None, |name, bytes| {
        (name == tingjian_pack::MANIFEST_SIGNATURE).then(|| {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let last = text.trim_end().chars().rev().nth(3).expect("a signature");
            let other = if last == 'A' { "B" } else { "A" };
            let at = text.trim_end().len() - 4;
            let mut text = text;
            text.replace_range(at..at + 1, other);
            text.into_bytes()
        })
    });
    let (code, findings) = verify(&altered);
    assert_eq!(code, 2);
    assert_names(&findings, "signature", tingjian_pack::MANIFEST_SIGNATURE);

    // The manifest: a file's hash changed to match an altered file.
    let altered = case("manifest");
    rewritten(&pack, &altered, None, |name, bytes| {
        (name == tingjian_pack::MANIFEST).then(|| {
            let mut manifest: Value = serde_json::from_slice(bytes).expect("manifest");
            for file in manifest["files"].as_array_mut().expect("files") {
                if file["path"] == audio.as_str() {
                    file["blake3"] = Value::String("0".repeat(64));
                }
            }
            serde_json::to_vec_pretty(&manifest).expect("json")
        })
    });
    let (code, findings) = verify(&altered);
    assert_eq!(code, 2);
    assert_names(&findings, "signature", tingjian_pack::MANIFEST_SIGNATURE);
    assert_names(&findings, "file_altered", &audio);

    // The printed report.
    let altered = case("pdf");
    rewritten(&pack, &altered, None, |name, bytes| {
        (name == tingjian_pack::REPORT_PDF).then(|| [bytes, b"\n%"].concat())
    });
    let (code, findings) = verify(&altered);
    assert_eq!(code, 2);
    assert_names(&findings, "file_altered", tingjian_pack::REPORT_PDF);

    // A figure of the report: one more complaint than the log holds.
    let altered = case("figure");
    rewritten(&pack, &altered, None, |name, bytes| {
        (name == tingjian_pack::REPORT_JSON).then(|| {
            let mut report: Value = serde_json::from_slice(bytes).expect("report");
            let complaints = report["summary"]["complaints"].as_u64().expect("complaints");
            report["summary"]["complaints"] = Value::from(complaints + 1);
            serde_json::to_vec_pretty(&report).expect("json")
        })
    });
    let (code, findings) = verify(&altered);
    assert_eq!(code, 2);
    assert_names(&findings, "figure", "summary.complaints");
    assert_names(&findings, "file_altered", tingjian_pack::REPORT_JSON);

    // A signed pack passed off as unsigned: pack.json says so, the signature and checkpoint are
    // dropped, and the manifest is rebuilt to match (anyone can, without the exporter's key).
    let altered = case("unsigned");
    {
        let mut files: Vec<(String, Vec<u8>)> = all
            .iter()
            .filter(|(n, _)| n != tingjian_pack::MANIFEST_SIGNATURE && n != tingjian_pack::CHECKPOINT)
            .cloned()
            .collect();
        for (name, bytes) in &mut files {
            if name == tingjian_pack::PACK_INFO {
                let mut info: Value = serde_json::from_slice(bytes).expect("pack.json");
                info["signed"] = Value::Bool(false);
                *bytes = serde_json::to_vec_pretty(&info).expect("json");
            }
        }
        let listed: Vec<Value> = files
            .iter()
            .filter(|(n, _)| n != tingjian_pack::MANIFEST)
            .map(|(n, b)| serde_json::json!({"path": n, "bytes": b.len(), "blake3": blake3::hash(b).to_hex().to_string()}))
            .collect();
        for (name, bytes) in &mut files {
            if name == tingjian_pack::MANIFEST {
                *bytes = serde_json::to_vec_pretty(&serde_json::json!({ "files": listed })).expect("json");
            }
        }
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&altered).expect("create"));
        for (name, bytes) in files {
            zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).expect("start");
            zip.write_all(&bytes).expect("write");
        }
        zip.finish().expect("finish");
    }
    let (code, findings) = verify(&altered);
    assert_eq!(code, 2, "{findings:#}");
    assert_names(&findings, "export", tingjian_pack::PACK_INFO);
    assert_names(&findings, "missing_file", tingjian_pack::CHECKPOINT);

    // A file added after the export.
    let altered = case("extra");
    rewritten(&pack, &altered, Some(("audio/readme.txt", b"not part of the export")), |_, _| None);
    let (code, findings) = verify(&altered);
    assert_eq!(code, 2);
    assert_names(&findings, "extra_file", "audio/readme.txt");

    // A truncated zip.
    let altered = case("truncated");
    let bytes = std::fs::read(&pack).expect("read");
    std::fs::write(&altered, &bytes[..bytes.len() * 2 / 3]).expect("write");
    let (code, findings) = verify(&altered);
    assert_eq!(code, 2);
    assert_names(&findings, "zip", "truncated");

    // The original still verifies: none of this touched it.
    assert_eq!(verify(&pack).0, 0);
}
