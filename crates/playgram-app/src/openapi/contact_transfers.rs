//! The import and export part of the document: `contact-imports` and `contact-exports`, their
//! tags' descriptions and their schemas (`contacts/imports/api.rs`, `plan.rs`, `apply.rs`,
//! `contacts/exports/api.rs`, `service.rs`).

use serde_json::{Value, json};

use super::contact_guide::who;
use super::paths::{Auth, FORBIDDEN, INVALID, Op, list_of, one, op};
use super::schemas::{closed, id, nullable, object, reference, time};
use crate::auth::Capability::{ExportContacts, ImportContacts};
use crate::contacts::exports::FORMATS;
use crate::contacts::imports::read::{MAX_COLUMNS, MAX_ROWS};
use crate::contacts::imports::{CHUNK, PREVIEW_ROWS};

const IMPORT_404: &str = "`not_found`: no such import in this workspace.";
const EXPORT_404: &str = "`not_found`: no such export in this workspace.";
const PAGE_400: &str = "`invalid_cursor` or `invalid_limit`.";
const FILE_GONE: &str = "`import_file_gone`: the uploaded file is no longer kept (uploads wait 7 days); upload it again.";
const PLAN_422: &str = "`validation_failed`, every problem at once: `mapping.<header>` (no such column, an unknown target, a `field:<key>` that neither exists nor is in `create_fields`), `mapping` (no column gives a name, email, phone or identity; an Instagram username without its id), `create_fields.<key>.<attribute>` (as `POST /contact-fields` checks it), `match_by`, `on_match`, `tags`.";

pub(super) fn imports_tag() -> String {
    format!(
        "Importing contacts from a CSV or XLSX file, in four steps.\n\n\
         1. **Upload** the file (`POST /contact-imports`, multipart part `file`, at most the server's `contacts_import_max_bytes`, 50 MiB by default; at most {MAX_ROWS} rows and {MAX_COLUMNS} columns). CSV encoding (UTF-8 or UTF-16 by their byte order marks, else UTF-8, else Windows-1252) and separator (`,` `;` tab `|`) are detected; an XLSX file's first sheet is read. The answer has the headers, the row count, the first five rows and a suggested `target` per column (a `new_field` proposed, its kind guessed from the cells, where nothing fits). The file is kept 7 days.\n\
         2. **Preview** a plan (`POST …/preview`): the first {PREVIEW_ROWS} rows run through the real import in a transaction that is rolled back, each answered `create`, `update`, `merge`, `skip` or `error` with the problems per column. Nothing is kept.\n\
         3. **Start** it (`POST …/start`, the same plan): fields in `create_fields` are created, then a `contacts.import` job imports the rows {CHUNK} at a time, each chunk one transaction; `GET /contact-imports/{{id}}` shows `rows_done`, `created`, `updated`, `skipped`, `failed` and `progress` live, and a restart resumes after the last chunk committed. When it ends it emits `contact_import.finished`.\n\
         4. **Fix** what failed: `GET …/errors` is a CSV of every refused row (its row number as a spreadsheet shows it: the file's first row, usually the headers, is 1, and blank rows count; the problems, then the row's own cells under the file's headers), ready to correct and import again.\n\n\
         **The plan** (`ContactImportPlan`): `mapping` sends each column to a target — `name`, `first_name` and `last_name` (joined), `email` and `phone` (several columns may feed each; a cell may hold several, split on `,` or `;`), `tags` (split on `,` or `;`), `locale`, `timezone`, `avatar_url`, `identity:<channel>`, `username:instagram` (with an `identity:instagram` column), `field:<key>`, `consent:<channel>:<purpose>` (yes/no cells: an opt-in or opt-out with source `import`), or `\"\"` to skip. Columns not named are skipped. `match_by` (default `[\"identity\", \"email\", \"phone\"]`) says what recognises an existing contact, tried in order; `on_match` what then happens: `skip` leaves it alone, `update` (the default) writes the row's non-empty cells over its values and adds emails, phones, identities and tags, `merge` only fills what it lacks and, when the row names several existing contacts (its email is one's, its phone another's), merges them into the first. Empty cells never clear anything. A cell starting with `'` before `=`, `+`, `-` or `@` (as Playgram's CSV exports write them) loses the `'`. Two rows naming the same person in one file make one contact. {}",
        who(ImportContacts)
    )
}

pub(super) fn exports_tag() -> String {
    format!(
        "Exporting contacts: any search, filter or segment as {} (`format`), written by a `contacts.export` job into a file that can be downloaded until `expires_at` (the server's `contacts_export_ttl_hours`, 24 h by default) and is then deleted. Each export records who asked, when, which contacts (the filter, or the segment with its filter then) and the `purpose` given — required, since exports are how personal data leaves Playgram — and every download is counted and audited. Columns: the fixed ones (id, name, emails, phones, identities, tags, consent, locale, time zone, source, dates), then one per custom field, by label. CSV cells a spreadsheet would run as a formula get a leading `'` (Playgram's import takes it off again) and the file starts with a UTF-8 byte order mark; XLSX cells are text, never formulas. {}",
        FORMATS.map(|f| format!("`{f}`")).join(", "),
        who(ExportContacts)
    )
}

fn page(op: Op, what: &str) -> Op {
    op.query(
        "cursor",
        &format!("`meta.next_cursor` of the previous page (an `{what}_…` id)."),
        json!({ "type": "string" }),
    )
    .query(
        "limit",
        "Page size, 1–200 (default 50).",
        json!({ "type": "integer", "minimum": 1, "maximum": 200, "default": 50 }),
    )
}

/// A success answer that is a file, not the JSON envelope.
fn file(mut op: Op, description: &str, types: &[&str], disposition: &str) -> Op {
    let content: serde_json::Map<String, Value> = types
        .iter()
        .map(|t| {
            (
                t.to_string(),
                json!({ "schema": { "type": "string", "format": "binary" } }),
            )
        })
        .collect();
    op.value["responses"]["200"] = json!({
        "description": description,
        "headers": {
            "Content-Disposition": { "description": disposition, "schema": { "type": "string" } },
            "Cache-Control": { "description": "`no-store`.", "schema": { "type": "string" } },
        },
        "content": content,
    });
    op
}

/// An operation on imports, its description ending with who may call it.
fn imports(summary: &str, description: &str) -> Op {
    let description = format!("{description} {}", who(ImportContacts));
    op("contact-imports", summary, &description, Auth::Any)
}

fn import_op(summary: &str, description: &str) -> Op {
    imports(summary, description).path_id("id", "imp")
}

/// An operation on exports, its description ending with who may call it.
fn exports(summary: &str, description: &str) -> Op {
    let description = format!("{description} {}", who(ExportContacts));
    op("contact-exports", summary, &description, Auth::Any)
}

fn export_op(summary: &str, description: &str) -> Op {
    exports(summary, description).path_id("id", "exp")
}

fn upload() -> Op {
    let mut upload = imports("Upload a file to import", "Reads the CSV or XLSX file at once (a file that cannot be read is refused before anything is kept) and answers its headers, row count, first rows and a suggested mapping. The import waits in `uploaded` until it is started. Audited.")
        .ok(201, one("ContactImportUploaded"))
        .fails(403, FORBIDDEN)
        .fails(413, "`payload_too_large`: the file is larger than `contacts_import_max_bytes`.")
        .fails(415, "`unsupported_media_type`: the body is not `multipart/form-data`.")
        .fails(422, &format!("{INVALID} On `file`: no `file` part, not CSV or XLSX (older .xls and .ods: save as XLSX), unreadable or binary, no rows, more than {MAX_ROWS} rows or {MAX_COLUMNS} columns."));
    upload.value["requestBody"] = json!({
        "required": true,
        "content": { "multipart/form-data": {
            "schema": { "type": "object", "required": ["file"], "properties": { "file": { "type": "string", "format": "binary", "description": "The CSV or XLSX file; its name is kept." } } },
        } },
    });
    upload
}

pub(super) fn operations() -> Vec<(&'static str, &'static str, Op)> {
    vec![
        ("get", "/contact-imports", page(imports("List imports", "The workspace's imports, newest first, with their progress."), "imp")
            .ok(200, list_of("ContactImport")).fails(400, PAGE_400).fails(403, FORBIDDEN)),
        ("post", "/contact-imports", upload()),
        ("get", "/contact-imports/{id}", import_op("Get an import", "The import and its live progress: `rows_done` of `row_count`, `created`, `updated`, `skipped`, `failed`, `progress` (0 to 1), and `status` (`uploaded`, `queued`, `running`, `completed`, `failed` or `cancelled`).")
            .ok(200, one("ContactImport")).fails(403, FORBIDDEN).fails(404, IMPORT_404)),
        ("post", "/contact-imports/{id}/preview", import_op("Preview an import", &format!("A dry run of the first {PREVIEW_ROWS} rows with this plan: what each would do (`create`, `update`, `merge`, `skip`) or its problems. Nothing is kept, not even the fields in `create_fields`."))
            .body("ContactImportPlan").ok(200, list_of("ContactImportRowResult")).fails(403, FORBIDDEN).fails(404, IMPORT_404).fails(410, FILE_GONE).fails(422, PLAN_422)),
        ("post", "/contact-imports/{id}/start", import_op("Start an import", "Creates the fields in `create_fields`, keeps the plan and queues the `contacts.import` job (once: a second start is refused). Follow it with `GET /contact-imports/{id}`. Audited. Answers 202 with the import, `queued`.")
            .body("ContactImportPlan").ok(202, one("ContactImport")).fails(403, FORBIDDEN).fails(404, IMPORT_404)
            .fails(409, "`import_started`: this import was started already; upload the file again to run it once more.").fails(410, FILE_GONE).fails(422, PLAN_422)),
        ("post", "/contact-imports/{id}/cancel", import_op("Cancel an import", "Stops the import before its next chunk; the rows imported stay. Emits `contact_import.finished` with `status: cancelled`. Audited. No body is needed.")
            .ok(200, one("ContactImport")).fails(403, FORBIDDEN).fails(404, IMPORT_404).fails(409, "`import_finished`: the import has finished; there is nothing to cancel.")),
        ("get", "/contact-imports/{id}/errors", file(import_op("Download an import's error report", "Every refused row as CSV (UTF-8 with a byte order mark): `row` (as a spreadsheet numbers it: the header row is usually 1), `errors` (the problems, `column: message`, joined by `; `), then the row's own cells under the file's headers. Formula-looking cells get a leading `'`. Errors are envelopes.")
            .fails(403, FORBIDDEN).fails(404, IMPORT_404), "The CSV report.", &["text/csv"], "`attachment; filename=\"{file}-errors.csv\"`.")),
        ("get", "/contact-exports", page(exports("List exports", "Every export of the workspace, newest first: who asked, when, for which contacts, why, how many downloads, and whether its file can still be downloaded (`download_url`)."), "exp")
            .ok(200, list_of("ContactExport")).fails(400, PAGE_400).fails(403, FORBIDDEN)),
        ("post", "/contact-exports", exports("Export contacts", "Queues a `contacts.export` job writing the contacts selected by `filter` or `segment_id` (every contact when neither is given) to a file. Follow it with `GET /contact-exports/{id}`; download it from `download_url` once `completed`. Answers 202 with the export, `queued`.")
            .body("ContactExportIn").ok(202, one("ContactExport")).fails(403, FORBIDDEN)
            .fails(422, &format!("{INVALID} `format` (not one of {}), `purpose` (3 to 200 characters), `segment_id` (no such segment), or a filter that does not fit (`filter.…`).", FORMATS.join(", ")))),
        ("get", "/contact-exports/{id}", export_op("Get an export", "The export record: its `status` (`queued`, `running`, `completed`, `failed`), the contacts written so far (`row_count`), downloads and expiry.")
            .ok(200, one("ContactExport")).fails(403, FORBIDDEN).fails(404, EXPORT_404)),
        ("get", "/contact-exports/{id}/download", file(export_op("Download an export", "The export's file. Each download is counted and audited (`contact_export.downloaded`). Errors are envelopes.")
            .fails(403, FORBIDDEN).fails(404, EXPORT_404).fails(409, "`export_not_ready`: the export has not completed; its `status` says how far it is.").fails(410, "`export_expired`: the file has expired and was deleted; ask for a new export."),
            "The file, in the export's format.", &["text/csv", "application/json", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"], "`attachment; filename=\"contacts-{id}.{format}\"`.")),
    ]
}

fn counters() -> Value {
    json!({
        "row_count": { "type": "integer", "description": "Rows in the file, headers aside." },
        "rows_done": { "type": "integer", "description": "Rows handled so far (imported, skipped or failed)." },
        "created": { "type": "integer", "description": "Contacts created." },
        "updated": { "type": "integer", "description": "Existing contacts updated or merged." },
        "skipped": { "type": "integer", "description": "Rows matching an existing contact with `on_match: skip`." },
        "failed": { "type": "integer", "description": "Rows refused (see the error report)." },
        "progress": { "type": "number", "minimum": 0, "maximum": 1, "description": "`rows_done / row_count`." },
    })
}

fn import_properties() -> serde_json::Map<String, Value> {
    let mut properties = serde_json::Map::new();
    let own = json!({
        "id": id("imp"),
        "filename": { "type": "string", "example": "customers.csv" },
        "format": { "type": "string", "enum": ["csv", "xlsx"] },
        "status": { "type": "string", "enum": ["uploaded", "queued", "running", "completed", "failed", "cancelled"] },
        "headers": { "type": "array", "items": { "type": "string" }, "description": "The file's column headers, in order (blank ones named `Column N`)." },
        "error": nullable(json!({ "type": "string", "description": "Why the import failed, when it did." })),
        "plan": nullable(json!({ "allOf": [reference("ContactImportPlan")], "description": "The plan it runs with; null until started." })),
        "created_by": reference("ContactActor"),
        "created_at": time(),
        "started_at": nullable(time()),
        "finished_at": nullable(time()),
    });
    for part in [own, counters()] {
        if let Value::Object(map) = part {
            properties.extend(map);
        }
    }
    properties
}

const IMPORT_REQUIRED: [&str; 18] = [
    "id",
    "filename",
    "format",
    "status",
    "headers",
    "row_count",
    "rows_done",
    "created",
    "updated",
    "skipped",
    "failed",
    "progress",
    "error",
    "plan",
    "created_by",
    "created_at",
    "started_at",
    "finished_at",
];

pub(super) fn schemas() -> Vec<(&'static str, Value)> {
    let mut uploaded = import_properties();
    uploaded.insert("sample".into(), json!({ "type": "array", "items": { "type": "array", "items": { "type": "string" } }, "description": "The first five rows, as read." }));
    uploaded.insert("suggestions".into(), json!({ "type": "array", "items": reference("ContactImportSuggestion"), "description": "A suggested target per column, in the file's order." }));
    let mut uploaded_required = IMPORT_REQUIRED.to_vec();
    uploaded_required.extend(["sample", "suggestions"]);
    let field_def = closed(
        &["key", "label", "kind"],
        json!({
            "key": { "type": "string", "example": "plan", "description": "As in `POST /contact-fields`." },
            "label": { "type": "string", "example": "Plan" },
            "kind": { "type": "string", "example": "select" },
            "options": { "type": "array", "items": { "type": "string" }, "description": "For `select` and `multi_select`." },
        }),
    );
    vec![
        (
            "ContactImport",
            object(&IMPORT_REQUIRED, Value::Object(import_properties())),
        ),
        (
            "ContactImportUploaded",
            object(&uploaded_required, Value::Object(uploaded)),
        ),
        (
            "ContactImportSuggestion",
            object(
                &["header", "target", "new_field"],
                json!({
                    "header": { "type": "string", "example": "E-mail" },
                    "target": { "type": "string", "example": "email", "description": "The suggested target; `\"\"`: skip (nothing fits)." },
                    "new_field": nullable(json!({ "allOf": [reference("ContactImportNewField")], "description": "For a column nothing fits: the custom field that could be created for it (send it in `create_fields` and map the column to `field:<key>`)." })),
                }),
            ),
        ),
        ("ContactImportNewField", field_def),
        (
            "ContactImportPlan",
            closed(
                &[],
                json!({
                    "mapping": { "type": "object", "additionalProperties": { "type": "string" }, "example": { "E-mail": "email", "Full name": "name", "Plan": "field:plan", "WhatsApp": "identity:whatsapp", "Newsletter": "consent:email:newsletter" }, "description": "Header → target (see the `contact-imports` tag). Columns not named are skipped." },
                    "create_fields": { "type": "array", "items": reference("ContactImportNewField"), "description": "Custom fields to create when the import starts, for `field:<key>` targets that do not exist yet." },
                    "match_by": { "type": "array", "items": { "type": "string", "enum": ["identity", "email", "phone"] }, "default": ["identity", "email", "phone"], "description": "What recognises an existing contact, tried in order." },
                    "on_match": { "type": "string", "enum": ["skip", "update", "merge"], "default": "update", "description": "What a row matching an existing contact does." },
                    "tags": { "type": "array", "items": { "type": "string" }, "example": ["Imported December"], "description": "Tags added to every contact the import creates or updates." },
                }),
            ),
        ),
        (
            "ContactImportRowResult",
            object(
                &["row", "action", "contact_id", "errors"],
                json!({
                    "row": { "type": "integer", "description": "The row as a spreadsheet numbers it: the header row is usually 1, blank rows count." },
                    "action": { "type": "string", "enum": ["create", "update", "merge", "skip", "error"] },
                    "contact_id": nullable(json!({ "allOf": [id("ct")], "description": "The existing contact it matches (null for a new one or an error)." })),
                    "errors": { "type": "array", "items": object(&["column", "message"], json!({ "column": { "type": "string", "description": "The header; `\"\"` for the row as a whole." }, "message": { "type": "string" } })) },
                }),
            ),
        ),
        (
            "ContactExportIn",
            closed(
                &["format", "purpose"],
                json!({
                    "format": { "type": "string", "enum": FORMATS },
                    "filter": { "allOf": [reference("ContactFilter")], "description": "Which contacts (as in `GET /contacts`); with neither this nor `segment_id`, every contact." },
                    "segment_id": id("seg"),
                    "purpose": { "type": "string", "minLength": 3, "maxLength": 200, "example": "Newsletter sync", "description": "Why the data leaves Playgram; kept with the export." },
                }),
            ),
        ),
        (
            "ContactExport",
            object(
                &[
                    "id",
                    "format",
                    "status",
                    "filter",
                    "segment_id",
                    "purpose",
                    "row_count",
                    "error",
                    "requested_by",
                    "downloads",
                    "last_downloaded_at",
                    "created_at",
                    "finished_at",
                    "expires_at",
                    "download_url",
                ],
                json!({
                    "id": id("exp"),
                    "format": { "type": "string", "enum": FORMATS },
                    "status": { "type": "string", "enum": ["queued", "running", "completed", "failed"] },
                    "filter": { "allOf": [reference("ContactFilter")], "description": "The contacts it holds, as recorded (tags by id; a segment's filter as it was)." },
                    "segment_id": nullable(id("seg")),
                    "purpose": { "type": "string" },
                    "row_count": { "type": "integer", "description": "Contacts written (so far, while running)." },
                    "error": nullable(json!({ "type": "string" })),
                    "requested_by": reference("ContactActor"),
                    "downloads": { "type": "integer" },
                    "last_downloaded_at": nullable(time()),
                    "created_at": time(),
                    "finished_at": nullable(time()),
                    "expires_at": nullable(json!({ "type": "string", "format": "date-time", "description": "The file can be downloaded until then." })),
                    "download_url": nullable(json!({ "type": "string", "example": "/api/v1/contact-exports/exp_01M82B2HPC5A7CBGX06DESGZ8Y/download", "description": "While the file can be downloaded." })),
                }),
            ),
        ),
    ]
}
