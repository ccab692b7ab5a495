//! TypeScript for the UI, generated from what crosses the IPC boundary: the Rust types, into
//! `ui/src/lib/bindings.ts`, and the command names of `command_names.rs`, into
//! `ui/src/lib/commands.ts`.
//!
//! The tests below fail when either file is stale, or when `ui/src/lib/api.ts` does not call every
//! command; `make bindings` (or `UPDATE_BINDINGS=1 cargo test -p tingjian-app bindings`) rewrites
//! both files.

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use ts_rs::{Config, TS};

    use crate::command_names::COMMAND_NAMES;

    fn ui_file(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib").join(name)
    }

    /// Fails when the file in `ui/src/lib` differs from `fresh`; with `UPDATE_BINDINGS` set, writes
    /// `fresh` into it instead.
    fn check_or_update(name: &str, fresh: &str) {
        let path = ui_file(name);
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, fresh).expect("write the generated file");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(committed == fresh, "ui/src/lib/{name} is stale: run `make bindings` and commit the result");
    }

    fn declaration<T: TS>(config: &Config) -> String {
        format!("export {}\n", T::decl(config))
    }

    /// A Rust type alias, which ts-rs cannot declare itself, as a TypeScript alias of its inline form.
    fn alias<T: TS>(name: &str, config: &Config) -> String {
        format!("export type {name} = {};\n", T::inline(config))
    }

    fn generated() -> String {
        let config = Config::new().with_large_int("number");
        let mut out = String::from(
            "// Generated from Rust by src-tauri/src/bindings.rs (ts-rs). Do not edit: run `make bindings`.\n\n",
        );
        for decl in [
            declaration::<tingjian_core::ErrorCode>(&config),
            declaration::<tingjian_core::UiError>(&config),
            declaration::<tingjian_core::QuarterState>(&config),
            declaration::<tingjian_core::model::Complaint>(&config),
            declaration::<tingjian_core::analytics::Interval>(&config),
            declaration::<tingjian_core::analytics::ChannelAnalytics>(&config),
            declaration::<tingjian_core::analytics::CallAnalytics>(&config),
            declaration::<tingjian_core::model::Recording>(&config),
            declaration::<tingjian_core::model::Person>(&config),
            declaration::<tingjian_vault::DepartmentCount>(&config),
            declaration::<tingjian_vault::VaultStatus>(&config),
            declaration::<tingjian_vault::ProblemKind>(&config),
            declaration::<tingjian_vault::VerifyProblem>(&config),
            declaration::<tingjian_vault::VerifyReport>(&config),
            declaration::<tingjian_import::ImportReport>(&config),
            declaration::<tingjian_import::Rejected>(&config),
            declaration::<tingjian_import::ImportProgress>(&config),
            declaration::<tingjian_import::ExportPreview>(&config),
            alias::<tingjian_import::ColumnMapping>("ColumnMapping", &config),
            declaration::<tingjian_import::ColumnPreview>(&config),
            declaration::<tingjian_vault::ComplaintQuery>(&config),
            declaration::<tingjian_vault::ComplaintSort>(&config),
            declaration::<tingjian_vault::ComplaintRow>(&config),
            declaration::<tingjian_vault::ComplaintPage>(&config),
            declaration::<tingjian_vault::LibraryFacets>(&config),
            declaration::<crate::commands::ImportRequest>(&config),
            declaration::<tingjian_core::listening::ChannelMode>(&config),
            declaration::<tingjian_core::listening::HeardSpan>(&config),
            declaration::<tingjian_core::listening::Coverage>(&config),
            declaration::<tingjian_vault::ListeningSessionReport>(&config),
            declaration::<tingjian_vault::ComplaintDetails>(&config),
            declaration::<tingjian_vault::Note>(&config),
            declaration::<tingjian_vault::Reflection>(&config),
            declaration::<tingjian_vault::Draft>(&config),
            declaration::<tingjian_vault::PersonalData>(&config),
            declaration::<tingjian_vault::RectificationRequest>(&config),
            declaration::<tingjian_vault::RectificationCase>(&config),
            declaration::<tingjian_core::rectification::CaseState>(&config),
            declaration::<tingjian_core::rectification::Effectiveness>(&config),
            declaration::<tingjian_core::rectification::Role>(&config),
            declaration::<tingjian_core::rectification::Severity>(&config),
            declaration::<tingjian_core::rectification::Actor>(&config),
            declaration::<tingjian_core::rectification::ActionKind>(&config),
            declaration::<tingjian_core::rectification::NewAction>(&config),
            declaration::<tingjian_core::rectification::RectificationAction>(&config),
            declaration::<tingjian_core::rectification::RootCause>(&config),
            declaration::<tingjian_core::rectification::DepartmentAnswer>(&config),
            declaration::<tingjian_core::rectification::Evidence>(&config),
            declaration::<tingjian_core::rectification::ProgressEntry>(&config),
            declaration::<tingjian_core::rectification::ObservationPeriod>(&config),
            declaration::<tingjian_core::rectification::Verification>(&config),
            declaration::<tingjian_core::rectification::Cancellation>(&config),
            declaration::<tingjian_core::rectification::TransitionRecord>(&config),
            declaration::<tingjian_core::rectification::CaseAction>(&config),
            declaration::<tingjian_core::rectification::RectificationPolicy>(&config),
            declaration::<tingjian_core::rectification::OverdueFlag>(&config),
            declaration::<tingjian_core::rectification::Case>(&config),
            declaration::<tingjian_vault::RectificationFilter>(&config),
            declaration::<tingjian_vault::RectificationSummary>(&config),
            declaration::<tingjian_vault::EvidenceFile>(&config),
            declaration::<tingjian_vault::RectificationView>(&config),
            declaration::<tingjian_review::ReviewView>(&config),
            declaration::<tingjian_review::Waveform>(&config),
            declaration::<tingjian_review::PlayerSettings>(&config),
            declaration::<tingjian_review::PlayerOpened>(&config),
            declaration::<tingjian_review::PlayerUpdate>(&config),
            declaration::<tingjian_playback::OutputDeviceInfo>(&config),
            declaration::<tingjian_sampling::Severity>(&config),
            declaration::<tingjian_sampling::Reviewer>(&config),
            declaration::<tingjian_sampling::Dimension>(&config),
            declaration::<tingjian_sampling::Allocation>(&config),
            declaration::<tingjian_sampling::Quota>(&config),
            declaration::<tingjian_sampling::Strata>(&config),
            declaration::<tingjian_sampling::MandatoryRules>(&config),
            declaration::<tingjian_sampling::Exclusions>(&config),
            declaration::<tingjian_sampling::DurationRange>(&config),
            declaration::<tingjian_sampling::DueRule>(&config),
            declaration::<tingjian_sampling::Policy>(&config),
            declaration::<tingjian_sampling::Stratum>(&config),
            declaration::<tingjian_sampling::MandatoryKind>(&config),
            declaration::<tingjian_sampling::Selection>(&config),
            declaration::<tingjian_sampling::ShortfallKind>(&config),
            declaration::<tingjian_sampling::Shortfall>(&config),
            declaration::<tingjian_sampling::Reassignment>(&config),
            declaration::<tingjian_sampling::Alteration>(&config),
            declaration::<tingjian_sampling::Verification>(&config),
            declaration::<tingjian_vault::DrawSummary>(&config),
            declaration::<tingjian_vault::DrawReadiness>(&config),
            declaration::<tingjian_vault::DrawPreparation>(&config),
            declaration::<tingjian_vault::Assignment>(&config),
            declaration::<tingjian_vault::QuarterSample>(&config),
            declaration::<tingjian_vault::ReviewerProgress>(&config),
            declaration::<tingjian_vault::DepartmentProgress>(&config),
            declaration::<tingjian_vault::QuarterDashboard>(&config),
            declaration::<tingjian_vault::MyAssignments>(&config),
            declaration::<tingjian_vault::SampleVerification>(&config),
            declaration::<tingjian_vault::AccountState>(&config),
            declaration::<tingjian_vault::Account>(&config),
            declaration::<tingjian_vault::SignInState>(&config),
            declaration::<tingjian_vault::SignedBy>(&config),
            declaration::<tingjian_core::clocks::ResponseOutcome>(&config),
            declaration::<tingjian_core::clocks::HandlingOutcome>(&config),
            declaration::<tingjian_vault::ClockFigures>(&config),
            declaration::<tingjian_vault::GroupFigures>(&config),
            declaration::<tingjian_vault::ClockFinding>(&config),
            declaration::<tingjian_vault::FindingList>(&config),
            declaration::<tingjian_vault::UnavailableFigure>(&config),
            declaration::<tingjian_vault::HandlingMetrics>(&config),
            declaration::<tingjian_report::WrittenReport>(&config),
            declaration::<tingjian_pack::PackProgress>(&config),
            declaration::<tingjian_pack::ExportedPack>(&config),
            declaration::<tingjian_vault::HandlingExtension>(&config),
            declaration::<tingjian_vault::HandlingPause>(&config),
            declaration::<tingjian_vault::ComplaintClocks>(&config),
        ] {
            out.push_str(&decl);
            out.push('\n');
        }
        out
    }

    #[test]
    fn bindings_are_up_to_date() {
        check_or_update("bindings.ts", &generated());
    }

    /// The command names as a TypeScript union, which `call()` in `api.ts` takes as its parameter
    /// type: a command that is misspelt there, or no longer declared, fails `svelte-check`.
    fn command_names() -> String {
        let members: Vec<String> = COMMAND_NAMES.iter().map(|name| format!("  | \"{name}\"")).collect();
        format!(
            "// Generated from src-tauri/src/command_names.rs by src-tauri/src/bindings.rs. Do not edit: run `make bindings`.\n\n\
             /** The name of every command the app declares: the only names `call()` in api.ts accepts. */\n\
             export type CommandName =\n{};\n",
            members.join("\n")
        )
    }

    #[test]
    fn command_names_are_up_to_date() {
        check_or_update("commands.ts", &command_names());
    }

    /// No command hands key material to the webview: neither a secret key, a sealed key, a
    /// signature's secret half, nor a passphrase a person typed. The generated types are what can
    /// cross the boundary, so none may have a field of that kind; and no command's return type in
    /// `commands.rs` may name a key type of `tingjian-signing`.
    #[test]
    fn no_command_returns_key_material() {
        let bindings = generated();
        for field in ["secret", "sealed", "private_key", "signing_key", "passphrase:", "ciphertext", "salt"] {
            let found: Vec<&str> = bindings.lines().filter(|line| line.contains(field)).collect();
            // The demo passphrase is public by design (printed in the README), shown on a demo vault only.
            let found: Vec<&&str> = found.iter().filter(|line| !line.contains("demo_passphrase")).collect();
            assert!(found.is_empty(), "a type crossing to the UI carries {field}: {found:?}");
        }
        let commands = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands.rs"))
            .expect("read commands.rs");
        let mut returns = Vec::new();
        let mut lines = commands.lines();
        while let Some(line) = lines.next() {
            if line.trim() == "#[tauri::command]" {
                // The signature runs from the next line to the one that opens the body.
                let mut signature = String::new();
                for line in lines.by_ref() {
                    signature.push_str(line.trim());
                    signature.push(' ');
                    if line.trim_end().ends_with('{') {
                        break;
                    }
                }
                returns.push(signature);
            }
        }
        assert_eq!(returns.len(), COMMAND_NAMES.len(), "every command's signature was read");
        for signature in &returns {
            for key_type in ["PersonKey", "SealedKey", "SigningKey", "secret"] {
                assert!(!signature.contains(key_type), "a command takes or returns {key_type}: {signature}");
            }
        }
    }

    /// A command declared in Rust but called nowhere in the UI is a door left open for nothing; the
    /// type check cannot see it, so this test does. Every call in `api.ts` has the form
    /// `call<T>("name", …)`.
    #[test]
    fn api_calls_every_command() {
        let api = std::fs::read_to_string(ui_file("api.ts")).expect("read ui/src/lib/api.ts");
        let uncalled: Vec<&str> =
            COMMAND_NAMES.iter().copied().filter(|name| !api.contains(&format!("(\"{name}\""))).collect();
        assert!(uncalled.is_empty(), "ui/src/lib/api.ts calls none of these commands: {uncalled:?}");
    }
}
