//! TypeScript types for the UI, generated from the Rust types that cross the IPC boundary.
//!
//! `ui/src/lib/bindings.ts` is this module's output. The test below fails when the file is stale;
//! `make bindings` (or `UPDATE_BINDINGS=1 cargo test -p tingjian-app bindings`) rewrites it.

#[cfg(test)]
mod tests {
    use ts_rs::{Config, TS};

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
            declaration::<tingjian_sampling::Role>(&config),
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
            declaration::<tingjian_vault::Assignment>(&config),
            declaration::<tingjian_vault::QuarterSample>(&config),
            declaration::<tingjian_vault::ReviewerProgress>(&config),
            declaration::<tingjian_vault::DepartmentProgress>(&config),
            declaration::<tingjian_vault::QuarterDashboard>(&config),
            declaration::<tingjian_vault::MyAssignments>(&config),
            declaration::<tingjian_vault::SampleVerification>(&config),
        ] {
            out.push_str(&decl);
            out.push('\n');
        }
        out
    }

    #[test]
    fn bindings_are_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings.ts");
        let fresh = generated();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &fresh).expect("write bindings");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(committed == fresh, "ui/src/lib/bindings.ts is stale: run `make bindings` and commit the result");
    }
}
