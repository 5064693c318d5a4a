//! Tests of the import and export part of the document: its schemas name what the DTOs read and
//! write, its enums are what the handlers accept, and the guide's plan example is a plan.

use serde_json::{Value, json};

use super::document;
use super::webhook_tests::{keys, properties};
use crate::contacts::exports::api::ExportOut;
use crate::contacts::exports::service::ExportIn;
use crate::contacts::exports::store::ExportRow;
use crate::contacts::imports::api::{ImportOut, UploadOut};
use crate::contacts::imports::apply::{CellProblem, RowResult};
use crate::contacts::imports::plan::{FieldDef, PlanIn, Suggestion, Target};
use crate::contacts::imports::store::ImportRow;
use playgram_core::ids::{ContactId, ExportId, ImportId, WorkspaceId};

fn import_row() -> ImportRow {
    ImportRow {
        id: ImportId::new(),
        workspace_id: WorkspaceId::new(),
        file_id: None,
        filename: "customers.csv".into(),
        format: "csv".into(),
        status: "running".into(),
        headers: r#"["E-mail","Plan"]"#.into(),
        row_count: 10,
        plan: Some(r#"{"mapping":{"E-mail":"email"}}"#.into()),
        rows_done: 5,
        rows_created: 3,
        rows_updated: 1,
        rows_skipped: 0,
        rows_failed: 1,
        error: None,
        actor_type: "user".into(),
        actor_id: Some("usr_01M82B2HPC5A7CBGX06DESGZ8Y".into()),
        created_at: 1,
        started_at: Some(2),
        finished_at: None,
    }
}

fn export_row() -> ExportRow {
    ExportRow {
        id: ExportId::new(),
        workspace_id: WorkspaceId::new(),
        format: "csv".into(),
        filter: "{}".into(),
        segment_id: None,
        purpose: "Audit".into(),
        status: "completed".into(),
        row_count: 4,
        file_id: None,
        error: None,
        actor_type: "api_key".into(),
        actor_id: Some("key_01M82B2HPC5A7CBGX06DESGZ8Y".into()),
        downloads: 0,
        last_downloaded_at: None,
        created_at: 1,
        finished_at: Some(2),
        expires_at: Some(i64::MAX),
    }
}

#[test]
fn transfer_schemas_match_what_the_api_writes() {
    let doc = document();
    let check =
        |value: Value, name: &str| assert_eq!(keys(&value), properties(&doc, name), "{name}");
    let import = ImportOut::from(&import_row());
    assert!(import.plan.is_some(), "the stored plan is answered");
    check(json!(import), "ContactImport");
    let suggestion = Suggestion {
        header: "Plan".into(),
        target: String::new(),
        new_field: Some(FieldDef {
            key: "plan".into(),
            label: "Plan".into(),
            kind: "select".into(),
            options: vec!["Gold".into()],
        }),
    };
    check(json!(suggestion), "ContactImportSuggestion");
    check(json!(suggestion.new_field), "ContactImportNewField");
    let uploaded = UploadOut {
        import,
        sample: vec![vec!["ana@example.com".into()]],
        suggestions: vec![suggestion],
    };
    check(json!(uploaded), "ContactImportUploaded");
    let result = RowResult {
        row: 1,
        action: "error",
        contact_id: Some(ContactId::new()),
        errors: vec![CellProblem {
            column: "E-mail".into(),
            message: "Not an email.".into(),
        }],
    };
    check(json!(result), "ContactImportRowResult");
    let export = ExportOut::from(&export_row());
    assert!(
        export.download_url.is_some(),
        "a completed, unexpired export has a link"
    );
    check(json!(export), "ContactExport");
    let required = |name: &str| doc["components"]["schemas"][name]["required"].clone();
    assert_eq!(
        keys(&json!(ImportOut::from(&import_row()))).len(),
        required("ContactImport").as_array().map_or(0, Vec::len),
        "every field of an import is always written"
    );
    assert_eq!(
        keys(&json!(export)).len(),
        required("ContactExport").as_array().map_or(0, Vec::len)
    );
}

#[test]
fn transfer_request_schemas_are_accepted_by_the_handlers() {
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    // Exhaustive literals: a new field fails to compile here until it is documented.
    let PlanIn {
        mapping: _,
        create_fields: _,
        match_by: _,
        on_match: _,
        tags: _,
    } = PlanIn::default();
    assert_eq!(
        properties(&doc, "ContactImportPlan"),
        ["create_fields", "mapping", "match_by", "on_match", "tags"]
            .map(String::from)
            .into()
    );
    let plan = json!({
        "mapping": schemas["ContactImportPlan"]["properties"]["mapping"]["example"],
        "create_fields": [{ "key": "plan", "label": "Plan", "kind": "select", "options": ["Gold"] }],
        "match_by": schemas["ContactImportPlan"]["properties"]["match_by"]["default"],
        "on_match": "merge",
        "tags": ["Imported"],
    });
    let parsed = serde_json::from_value::<PlanIn>(plan.clone());
    assert!(parsed.is_ok(), "{plan}: {parsed:?}");
    for target in plan["mapping"]
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
    {
        let target = target.as_str().unwrap_or_default();
        assert!(
            matches!(Target::parse(target), Ok(Some(_))),
            "the example's target {target} is a target"
        );
    }
    for on_match in schemas["ContactImportPlan"]["properties"]["on_match"]["enum"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let plan = json!({ "on_match": on_match });
        assert!(serde_json::from_value::<PlanIn>(plan).is_ok());
    }
    let ExportIn {
        format: _,
        filter: _,
        segment_id: _,
        purpose: _,
    } = ExportIn::default();
    let export = json!({ "format": "xlsx", "filter": {}, "segment_id": "seg_01M82B2HPC5A7CBGX06DESGZ8Y", "purpose": "Audit" });
    assert_eq!(keys(&export), properties(&doc, "ContactExportIn"));
    assert!(serde_json::from_value::<ExportIn>(export).is_ok());
    let formats = schemas["ContactExportIn"]["properties"]["format"]["enum"].clone();
    assert_eq!(formats, json!(crate::contacts::exports::FORMATS));
}

#[test]
fn the_upload_is_multipart_and_the_files_are_not_envelopes() {
    let doc = document();
    let upload = &doc["paths"]["/contact-imports"]["post"];
    assert!(
        upload["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]["file"]
            .is_object()
    );
    assert!(upload["responses"]["413"].is_object());
    let report = &doc["paths"]["/contact-imports/{id}/errors"]["get"]["responses"]["200"];
    assert!(report["content"]["text/csv"].is_object());
    let download = &doc["paths"]["/contact-exports/{id}/download"]["get"]["responses"];
    for status in ["409", "410"] {
        assert!(download[status].is_object(), "download answers {status}");
    }
    for format in crate::contacts::exports::FORMATS {
        let content_type = crate::contacts::exports::write::content_type(format);
        let documented = content_type.split(';').next().unwrap_or_default();
        assert!(
            download["200"]["content"][documented].is_object(),
            "{format} ({content_type}) is documented"
        );
    }
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(tags.contains(&"contact-imports") && tags.contains(&"contact-exports"));
}
