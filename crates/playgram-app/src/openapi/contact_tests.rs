//! Tests of the contacts part of the document: parameters, enums and schemas match what the
//! handlers, DTOs and rules accept and write, and the guide says what an integrator needs.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::document;
use super::webhook_tests::{keys, properties};
use crate::contacts::channel::Channel;

fn contact_paths(doc: &Value) -> Vec<(String, String, Value)> {
    let prefixes = ["/contacts", "/contact-", "/tags", "/segments", "/consent/"];
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().cloned().unwrap_or_default() {
        if !prefixes.iter().any(|p| path.starts_with(p)) {
            continue;
        }
        for (method, operation) in item.as_object().cloned().unwrap_or_default() {
            out.push((method, path.clone(), operation));
        }
    }
    out
}

fn param_names(operation: &Value) -> Vec<String> {
    operation["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_owned))
        .collect()
}

fn param<'a>(operation: &'a Value, name: &str) -> &'a Value {
    operation["parameters"]
        .as_array()
        .and_then(|list| list.iter().find(|p| p["name"] == name))
        .unwrap_or(&Value::Null)
}

fn enum_of(schema: &Value) -> Vec<String> {
    schema["enum"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

#[test]
fn every_contact_operation_lists_its_refusals() {
    let doc = document();
    let operations = contact_paths(&doc);
    assert_eq!(operations.len(), 50, "every contact route is here");
    for (method, path, operation) in operations {
        let responses = &operation["responses"];
        assert!(responses["403"].is_object(), "{method} {path} has no 403");
        assert!(responses["401"].is_object(), "{method} {path} has no 401");
        if path.contains('{') {
            assert!(responses["404"].is_object(), "{method} {path} has no 404");
        }
        if operation["requestBody"].is_object() {
            assert!(
                responses["422"].is_object(),
                "{method} {path} has a body and no 422"
            );
        }
        for name in path.split('{').skip(1).filter_map(|s| s.split('}').next()) {
            let found = param(&operation, name);
            assert_eq!(found["in"], "path", "{method} {path}: {name}");
        }
        let description = operation["description"].as_str().unwrap_or_default();
        assert!(
            description.contains("(scope `contacts:"),
            "{method} {path} does not say who may call it: {description}"
        );
    }
}

#[test]
fn the_list_parameters_are_the_handlers() {
    use crate::contacts::api::ListQuery;
    use crate::contacts::api::consent::CheckQuery;
    use crate::contacts::api::gdpr::TombstoneQuery;
    use crate::contacts::api::related::{HistoryQuery, TimelineQuery};
    use crate::contacts::query::Sort;
    let doc = document();
    // Exhaustive literals: a new query field fails to compile here until it is documented.
    let ListQuery {
        q: _,
        filter: _,
        segment: _,
        tag: _,
        channel: _,
        sort: _,
        cursor: _,
        limit: _,
    } = ListQuery::default();
    let list = [
        "q", "filter", "segment", "tag", "channel", "sort", "cursor", "limit",
    ];
    assert_eq!(param_names(&doc["paths"]["/contacts"]["get"]), list);
    let count = &doc["paths"]["/contacts/count"]["get"];
    assert_eq!(param_names(count), list[..5]);
    let segment = &doc["paths"]["/segments/{id}/contacts"]["get"];
    let mut expected: Vec<&str> = vec!["id"];
    expected.extend(list.iter().filter(|p| **p != "segment"));
    assert_eq!(param_names(segment), expected);
    let TimelineQuery {
        kind: _,
        cursor: _,
        limit: _,
    } = TimelineQuery::default();
    let timeline = &doc["paths"]["/contacts/{id}/timeline"]["get"];
    assert_eq!(param_names(timeline), ["id", "kind", "cursor", "limit"]);
    let HistoryQuery { attribute: _ } = HistoryQuery::default();
    let history = &doc["paths"]["/contacts/{id}/history"]["get"];
    assert_eq!(param_names(history), ["id", "attribute"]);
    let TombstoneQuery {
        cursor: _,
        limit: _,
    } = TombstoneQuery::default();
    let tombstones = &doc["paths"]["/contact-tombstones"]["get"];
    assert_eq!(param_names(tombstones), ["cursor", "limit"]);
    let CheckQuery {
        contact_id: _,
        identity_channel: _,
        external_id: _,
        channel: _,
        purpose: _,
    } = CheckQuery::default();
    let check = &doc["paths"]["/consent/check"]["get"];
    assert_eq!(
        param_names(check),
        [
            "contact_id",
            "identity_channel",
            "external_id",
            "channel",
            "purpose"
        ]
    );

    // Every documented sort parses, and every sort is documented.
    let sorts = enum_of(&param(&doc["paths"]["/contacts"]["get"], "sort")["schema"]);
    assert_eq!(sorts.len(), Sort::ALL.len());
    for sort in &sorts {
        assert!(Sort::parse(Some(sort)).is_ok(), "{sort}");
    }
    assert!(Sort::parse(Some("shoe_size")).is_err());
    let channels = enum_of(&param(&doc["paths"]["/contacts"]["get"], "channel")["schema"]);
    assert_eq!(channels.len(), Channel::ALL.len());
    for channel in channels {
        assert!(Channel::parse(&channel).is_some(), "{channel}");
    }
}

#[test]
fn the_enums_are_what_the_rules_accept() {
    use crate::contacts::bulk::Action;
    use crate::contacts::fields::FieldKind;
    use crate::contacts::filter::Op;
    let doc = document();
    let schemas = &doc["components"]["schemas"];
    let ops = enum_of(&schemas["ContactFieldCondition"]["properties"]["op"]);
    let allowed: BTreeSet<String> = FieldKind::ALL
        .iter()
        .flat_map(|k| Op::allowed(*k).iter().map(|o| (*o).to_owned()))
        .collect();
    assert_eq!(ops.iter().cloned().collect::<BTreeSet<_>>(), allowed);
    for op in &ops {
        assert!(Op::parse(op).is_some(), "{op}");
    }
    let kinds = enum_of(&schemas["ContactField"]["properties"]["kind"]);
    assert_eq!(kinds.len(), FieldKind::ALL.len());
    for kind in kinds {
        assert!(FieldKind::parse(&kind).is_some(), "{kind}");
    }
    for action in enum_of(&schemas["ContactBulkIn"]["properties"]["action"]) {
        assert!(Action::parse(&action).is_some(), "{action}");
    }
    let identity = enum_of(&schemas["ContactIdentityIn"]["properties"]["channel"]);
    assert_eq!(identity.len(), Channel::IDENTITY.len());
    for channel in identity {
        assert!(
            Channel::parse(&channel).is_some_and(Channel::has_identity),
            "{channel}"
        );
    }
}

/// A body with every property of a request schema: its example, else its first enum value, else
/// an empty list for a list, else null.
fn sample(doc: &Value, name: &str) -> Value {
    let schema = &doc["components"]["schemas"][name];
    let mut out = serde_json::Map::new();
    for (field, property) in schema["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default()
    {
        let value = if !property["example"].is_null() {
            property["example"].clone()
        } else if let Some(first) = property["enum"].as_array().and_then(|e| e.first()) {
            first.clone()
        } else if property["type"] == "array" {
            json!([])
        } else {
            Value::Null
        };
        out.insert(field, value);
    }
    Value::Object(out)
}

/// The request schemas name exactly the fields the DTOs accept (they refuse unknown ones).
#[test]
fn contact_request_schemas_are_accepted_by_the_handlers() {
    use crate::contacts::api::crud::{MergeIn, UpsertIn};
    use crate::contacts::api::related::TagsIn;
    use crate::contacts::bulk::BulkIn;
    use crate::contacts::consent::ConsentIn;
    use crate::contacts::fields::service::FieldIn;
    use crate::contacts::filter::{ConsentCondition, FieldCondition, Filter, TagFilter};
    use crate::contacts::input::{ContactIn, ContactPatch, IdentityIn};
    use crate::contacts::segments::SegmentIn;
    use crate::contacts::settings::SettingsPatch;
    use crate::contacts::tags::service::TagIn;
    let doc = document();
    fn accepts<T: serde::de::DeserializeOwned + std::fmt::Debug>(doc: &Value, name: &str) {
        let body = sample(doc, name);
        let parsed = serde_json::from_value::<T>(body.clone());
        assert!(parsed.is_ok(), "{name} {body}: {parsed:?}");
    }
    accepts::<ContactIn>(&doc, "ContactIn");
    accepts::<ContactPatch>(&doc, "ContactPatch");
    accepts::<IdentityIn>(&doc, "ContactIdentityIn");
    accepts::<UpsertIn>(&doc, "ContactUpsertIn");
    accepts::<MergeIn>(&doc, "ContactMergeIn");
    accepts::<TagsIn>(&doc, "ContactTagsIn");
    accepts::<BulkIn>(&doc, "ContactBulkIn");
    accepts::<ConsentIn>(&doc, "ContactConsentIn");
    accepts::<SettingsPatch>(&doc, "ContactSettingsPatch");
    accepts::<TagFilter>(&doc, "ContactFilterTags");
    accepts::<FieldCondition>(&doc, "ContactFieldCondition");
    accepts::<ConsentCondition>(&doc, "ContactConsentCondition");
    for name in ["TagIn", "TagPatch"] {
        accepts::<TagIn>(&doc, name);
    }
    for name in ["ContactFieldIn", "ContactFieldPatch"] {
        accepts::<FieldIn>(&doc, name);
    }
    for name in ["SegmentIn", "SegmentPatch"] {
        accepts::<SegmentIn>(&doc, name);
    }
    // The filter: its example names every part, and is a filter.
    let example = doc["components"]["schemas"]["ContactFilter"]["example"].clone();
    assert_eq!(keys(&example), properties(&doc, "ContactFilter"));
    assert!(serde_json::from_value::<Filter>(example.clone()).is_ok());
    // The same example as the `contacts` tag shows.
    let tag = super::contact_guide::contacts_tag();
    let shown = tag
        .split("```json\n")
        .nth(1)
        .and_then(|s| s.split("\n```").next())
        .unwrap_or_default();
    let shown: Value = serde_json::from_str(shown).unwrap_or_default();
    assert_eq!(shown, example);
}

/// The response schemas name exactly the fields the DTOs write.
#[test]
fn contact_schemas_match_what_the_api_writes() {
    use crate::contacts::api::crud::{CountOut, UpsertOut};
    use crate::contacts::api::gdpr::ErasedOut;
    use crate::contacts::bulk::{Action, BulkOut};
    use crate::contacts::consent::{ConsentOut, ConsentRow, Decision};
    use crate::contacts::events::example_contact;
    use crate::contacts::fields::api::FieldOut;
    use crate::contacts::fields::store::FieldRow;
    use crate::contacts::gdpr::Tombstone;
    use crate::contacts::segments::SegmentOut;
    use crate::contacts::settings::ContactSettings;
    use crate::contacts::tags::TagRow;
    use crate::contacts::tags::api::TagOut;
    use crate::contacts::timeline::{ActivityOut, By, HistoryOut};
    use playgram_core::ids::{
        ActivityId, ChangeId, ContactId, FieldId, SegmentId, TagId, WorkspaceId,
    };
    let doc = document();
    let check =
        |value: Value, name: &str| assert_eq!(keys(&value), properties(&doc, name), "{name}");
    let contact = example_contact();
    check(json!(contact), "Contact");
    check(json!(contact.identities[0]), "ContactIdentity");
    check(json!(contact.tags[0]), "ContactTagRef");
    check(
        json!(UpsertOut {
            created: true,
            contact: contact.clone()
        }),
        "ContactUpserted",
    );
    check(json!(CountOut { count: 1 }), "ContactCount");
    let bulk = BulkOut {
        action: Action::Delete,
        changed: Some(1),
        job_id: None,
        matched: None,
    };
    check(json!(bulk), "ContactBulkOut");
    check(json!(By::system()), "ContactActor");
    let activity = ActivityOut {
        id: ActivityId::new(),
        kind: "created".into(),
        summary: "Created from api".into(),
        data: json!({}),
        actor: By::system(),
        occurred_at: 0,
    };
    check(json!(activity), "ContactActivity");
    let history = HistoryOut {
        id: ChangeId::new(),
        attribute: "name".into(),
        old: json!("A"),
        value: json!("B"),
        changed_by: By::system(),
        changed_at: 0,
        until: None,
    };
    check(json!(history), "ContactHistoryEntry");
    let consent = ConsentOut::from(ConsentRow {
        contact_id: ContactId::new(),
        channel: "whatsapp".into(),
        purpose: "marketing".into(),
        status: "opted_in".into(),
        source: "keyword".into(),
        evidence: String::new(),
        actor_type: "user".into(),
        actor_id: None,
        recorded_at: 0,
    });
    check(json!(consent), "ContactConsent");
    let decision = Decision {
        allowed: false,
        contact_id: ContactId::new(),
        channel: "whatsapp".into(),
        purpose: "marketing".into(),
        status: "unknown".into(),
        rule: "opt_in_required",
        reason: String::new(),
        recorded_at: None,
        source: None,
    };
    check(json!(decision), "ConsentDecision");
    check(
        json!(ErasedOut {
            contact_id: "ct_x".into(),
            mode: "delete".into()
        }),
        "ContactErased",
    );
    let tombstone = Tombstone {
        contact_id: ContactId::new(),
        mode: "delete".into(),
        reason: "request".into(),
        actor_type: "user".into(),
        actor_id: None,
        erased_at: 0,
    };
    check(json!(tombstone), "ContactTombstone");
    check(json!(ContactSettings::default()), "ContactSettings");
    let tag = TagRow {
        id: TagId::new(),
        workspace_id: WorkspaceId::new(),
        name: "VIP".into(),
        name_key: "vip".into(),
        color: "#5443c9".into(),
        description: String::new(),
        created_at: 0,
        updated_at: 0,
    };
    check(json!(TagOut::of(tag, 0)), "Tag");
    let field = FieldRow {
        id: FieldId::new(),
        workspace_id: WorkspaceId::new(),
        key: "plan".into(),
        label: "Plan".into(),
        kind: "text".into(),
        options: None,
        description: String::new(),
        created_at: 0,
        updated_at: 0,
    };
    check(json!(FieldOut::of(&field, 0)), "ContactField");
    let segment = SegmentOut {
        id: SegmentId::new(),
        name: "All".into(),
        description: String::new(),
        filter: Default::default(),
        contact_count: Some(0),
        problem: None,
        created_at: 0,
        updated_at: 0,
    };
    check(json!(segment), "Segment");
}

#[test]
fn the_gdpr_export_is_a_zip_and_the_guide_covers_the_contract() {
    let doc = document();
    let export = &doc["paths"]["/contacts/{id}/gdpr-export"]["get"];
    let ok = &export["responses"]["200"];
    assert!(ok["content"]["application/zip"].is_object(), "{ok}");
    assert!(ok["content"]["application/json"].is_null(), "{ok}");
    assert!(export["responses"]["404"]["content"]["application/json"].is_object());

    let tag = super::contact_guide::contacts_tag();
    assert!(!tag.contains('$'), "a placeholder was left: {tag}");
    for needle in [
        "contact_exists",
        "details: {attribute, value, contact_id}",
        "contact_merged",
        "merged_into",
        "invalid_filter",
        "invalid_sort",
        "invalid_cursor",
        "invalid_segment",
        "validation_failed",
        "next_cursor",
        "application/zip",
        "README.txt",
        "merged.json",
        "anonymise",
        "tombstone",
        "job_id",
        "202",
        "contact.*",
        "`contacts:read`",
        "`contacts:write`",
        "`contacts:manage`",
        "`contacts:export`",
        "`contacts:settings`",
        "insufficient_scope",
    ] {
        assert!(tag.contains(needle), "the contacts tag lacks {needle}");
    }
    for event in crate::events::catalog::catalog()
        .iter()
        .filter(|t| t.name.starts_with("contact"))
    {
        assert!(tag.contains(&format!("`{}`", event.name)), "{}", event.name);
    }
    for sort in crate::contacts::query::Sort::ALL {
        assert!(
            tag.contains(&format!("`{}`", sort.as_str())),
            "{}",
            sort.as_str()
        );
    }
    let consent = super::contact_guide::consent_tag();
    for needle in [
        "transactional",
        "opt_in_required",
        "opt_out_respected",
        "allowed",
        "GET /consent/check",
    ] {
        assert!(consent.contains(needle), "the consent tag lacks {needle}");
    }
    let names: Vec<&str> = doc["tags"]
        .as_array()
        .map(|t| t.iter().filter_map(|t| t["name"].as_str()).collect())
        .unwrap_or_default();
    for name in ["contacts", "tags", "contact-fields", "segments", "consent"] {
        assert!(names.contains(&name), "{name}");
    }
    let info = doc["info"]["description"].as_str().unwrap_or_default();
    for prefix in [
        "ct_", "tag_", "fld_", "seg_", "act_", "chg_", "imp_", "exp_",
    ] {
        assert!(info.contains(&format!("`{prefix}`")), "{prefix}");
    }
}

#[test]
fn who_may_call_is_read_from_the_capabilities() {
    use super::contact_guide::who;
    use crate::auth::Capability;
    assert_eq!(
        who(Capability::WriteContacts),
        "Owner, admin, manager or agent (scope `contacts:write`)."
    );
    assert_eq!(
        who(Capability::ManageContactSettings),
        "Owner or admin (scope `contacts:settings`)."
    );
    assert!(
        who(Capability::ReadContacts)
            .starts_with("Every role (scope `contacts:read`, also granted by")
    );
}
