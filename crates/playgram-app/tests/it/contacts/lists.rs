//! Lists: diacritic-insensitive search across names, emails, phones and usernames; filters by
//! tag, field, channel, consent and dates; every sort; cursor paging that neither skips nor
//! repeats; counts; and another workspace's contacts never appear.

use playgram_testkit::{Settings, TestApp, both};
use serde_json::{Value, json};

use super::{create, ids};

async fn search_ignores_case_and_diacritics(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let jose = create(
        api,
        json!({ "name": "José Núñez", "emails": ["jnunez@correo.es"] }),
    )
    .await;
    let zoe = create(
        api,
        json!({ "name": "Zoë Ødegård", "phones": ["+47 412 34 567"] }),
    )
    .await;
    let ig = create(api, json!({ "name": "", "identities": [{ "channel": "instagram", "external_id": "1784", "username": "coffee.lover_42" }] })).await;
    create(
        api,
        json!({ "name": "Someone Else", "emails": ["else@example.com"] }),
    )
    .await;
    let find = |q: &str| {
        let api = api.clone();
        let q = q.to_owned();
        async move {
            ids(&api
                .get(&format!("/api/v1/contacts?q={}", urlencode(&q)))
                .await
                .ok())
        }
    };
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    assert_eq!(find("jose").await, [id(&jose)]);
    assert_eq!(find("JOSÉ nú").await, [id(&jose)]);
    assert_eq!(find("nunez").await, [id(&jose)]);
    assert_eq!(find("jnunez@correo").await, [id(&jose)]);
    assert_eq!(find("zoe odegard").await, [id(&zoe)]);
    assert_eq!(find("Zoë").await, [id(&zoe)]);
    assert_eq!(find("+47 412 34 567").await, [id(&zoe)]);
    assert_eq!(find("41234567").await, [id(&zoe)], "national digits");
    assert_eq!(find("coffee.lover").await, [id(&ig)]);
    assert_eq!(find("coffeelover42").await, [id(&ig)]);
    assert!(find("nobody-like-this").await.is_empty());
    assert_eq!(ig["display_name"], "@coffee.lover_42");
    // Another workspace's contact with the same name is not found here.
    let other = app.signup("other@example.com", "Beta").await;
    create(&other.browser, json!({ "name": "José Other" })).await;
    assert_eq!(find("jose").await, [id(&jose)]);
    assert_eq!(
        ids(&other.browser.get("/api/v1/contacts?q=jose").await.ok()).len(),
        1
    );
}
both!(
    search_ignores_case_and_diacritics,
    Settings::new().set("signup_open", "true")
);

pub fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn every_sort_pages_without_gaps_or_repeats(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    let names = [
        "delta", "Alpha", "charlie", "Écho", "bravo", "foxtrot", "golf",
    ];
    let mut made = Vec::new();
    for name in names {
        made.push(
            create(api, json!({ "name": name })).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Seen at different times, and one updated later.
    for (i, id) in made.iter().enumerate().take(4) {
        app.execute(
            "UPDATE contacts SET last_seen_at = $1 WHERE id = $2",
            &[(1_000 + i as i64).into(), id.into()],
        )
        .await;
    }
    let walk = |sort: &'static str| {
        let api = api.clone();
        async move {
            let mut out = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let path = match &cursor {
                    Some(c) => format!("/api/v1/contacts?sort={sort}&limit=2&cursor={c}"),
                    None => format!("/api/v1/contacts?sort={sort}&limit=2"),
                };
                let reply = api.get(&path).await;
                let json = reply.envelope();
                out.extend(
                    json["data"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| c["name"].as_str().unwrap().to_owned()),
                );
                match json["meta"]["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_owned()),
                    None => break,
                }
            }
            out
        }
    };
    assert_eq!(
        walk("name").await,
        [
            "Alpha", "bravo", "charlie", "delta", "Écho", "foxtrot", "golf"
        ]
    );
    assert_eq!(
        walk("-name").await,
        [
            "golf", "foxtrot", "Écho", "delta", "charlie", "bravo", "Alpha"
        ]
    );
    assert_eq!(
        walk("-created_at").await,
        [
            "golf", "foxtrot", "bravo", "Écho", "charlie", "Alpha", "delta"
        ]
    );
    assert_eq!(walk("created_at").await, names);
    let seen = walk("-last_seen_at").await;
    assert_eq!(&seen[..4], ["Écho", "charlie", "Alpha", "delta"]);
    assert_eq!(seen.len(), 7);
    assert_eq!(walk("updated_at").await.len(), 7);
    // A cursor belongs to its sort.
    let json = api
        .get("/api/v1/contacts?sort=name&limit=2")
        .await
        .envelope();
    let cursor = json["meta"]["next_cursor"].as_str().unwrap().to_owned();
    api.get(&format!(
        "/api/v1/contacts?sort=-last_seen_at&cursor={cursor}"
    ))
    .await
    .err(400, "invalid_cursor");
    assert_eq!(api.get("/api/v1/contacts/count").await.ok()["count"], 7);
}
both!(every_sort_pages_without_gaps_or_repeats);

async fn filters_combine_in_sql(app: TestApp) {
    let owner = app.owner().await;
    let api = &owner.browser;
    api.post(
        "/api/v1/contact-fields",
        json!({ "key": "plan", "label": "Plan", "kind": "select", "options": ["Gold", "Silver"] }),
    )
    .await
    .ok_with(201);
    api.post(
        "/api/v1/contact-fields",
        json!({ "key": "score", "label": "Score", "kind": "number" }),
    )
    .await
    .ok_with(201);
    api.post("/api/v1/contact-fields", json!({ "key": "interests", "label": "Interests", "kind": "multi_select", "options": ["Yoga", "Surf", "Chess"] })).await.ok_with(201);
    api.post(
        "/api/v1/contact-fields",
        json!({ "key": "birthday", "label": "Birthday", "kind": "date" }),
    )
    .await
    .ok_with(201);
    let gold = create(api, json!({ "name": "Gold", "tags": ["VIP"], "fields": { "plan": "Gold", "score": 90, "interests": ["Yoga", "Surf"], "birthday": "1990-05-01" },
        "identities": [{ "channel": "whatsapp", "external_id": "33600000001" }] })).await;
    let silver = create(api, json!({ "name": "Silver", "tags": ["VIP", "Churn risk"], "fields": { "plan": "Silver", "score": 40, "interests": ["Chess"] },
        "emails": ["silver@example.com"] })).await;
    let none = create(api, json!({ "name": "Plain" })).await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let find = |filter: Value| {
        let api = api.clone();
        async move {
            let mut out = ids(&api
                .get(&format!(
                    "/api/v1/contacts?sort=name&filter={}",
                    urlencode(&filter.to_string())
                ))
                .await
                .ok());
            out.sort();
            out
        }
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        find(json!({ "tags": { "any": ["vip"] } })).await,
        sorted(vec![id(&gold), id(&silver)])
    );
    assert_eq!(
        find(json!({ "tags": { "all": ["VIP", "Churn risk"] } })).await,
        [id(&silver)]
    );
    assert_eq!(
        find(json!({ "tags": { "none": ["Churn risk"] } })).await,
        sorted(vec![id(&gold), id(&none)])
    );
    assert_eq!(
        find(json!({ "fields": [{ "field": "plan", "op": "eq", "value": "gold" }] })).await,
        [id(&gold)]
    );
    assert_eq!(
        find(json!({ "fields": [{ "field": "plan", "op": "neq", "value": "Gold" }] })).await,
        sorted(vec![id(&silver), id(&none)]),
        "neq includes the unset"
    );
    assert_eq!(
        find(json!({ "fields": [{ "field": "score", "op": "gt", "value": 50 }] })).await,
        [id(&gold)]
    );
    assert_eq!(
        find(json!({ "fields": [{ "field": "score", "op": "between", "value": [30, 45] }] })).await,
        [id(&silver)]
    );
    assert_eq!(find(json!({ "fields": [{ "field": "interests", "op": "has_all", "value": ["Yoga", "Surf"] }] })).await, [id(&gold)]);
    assert_eq!(find(json!({ "fields": [{ "field": "interests", "op": "has_any", "value": ["Chess", "Surf"] }] })).await, sorted(vec![id(&gold), id(&silver)]));
    assert_eq!(
        find(json!({ "fields": [{ "field": "birthday", "op": "lt", "value": "2000-01-01" }] }))
            .await,
        [id(&gold)]
    );
    assert_eq!(
        find(json!({ "fields": [{ "field": "score", "op": "is_not_set" }] })).await,
        [id(&none)]
    );
    assert_eq!(find(json!({ "channels": ["whatsapp"] })).await, [id(&gold)]);
    assert_eq!(find(json!({ "channels": ["email"] })).await, [id(&silver)]);
    assert_eq!(
        find(json!({ "last_seen": { "never": true } })).await.len(),
        3
    );
    assert_eq!(
        find(json!({ "created": { "after": "2000-01-01", "before": "2999-01-01T00:00:00Z" } }))
            .await
            .len(),
        3
    );
    assert!(
        find(json!({ "created": { "before": "2000-01-01" } }))
            .await
            .is_empty()
    );
    assert_eq!(
        find(json!({ "q": "gold", "tags": { "any": ["VIP"] } })).await,
        [id(&gold)]
    );
    // Shortcut parameters.
    assert_eq!(
        ids(&api.get("/api/v1/contacts?tag=Churn%20risk").await.ok()),
        [id(&silver)]
    );
    assert_eq!(
        ids(&api.get("/api/v1/contacts?channel=whatsapp").await.ok()),
        [id(&gold)]
    );
    // Wrong filters are explained.
    let bad = |filter: Value, field: &'static str| {
        let api = api.clone();
        async move {
            api.get(&format!(
                "/api/v1/contacts?filter={}",
                urlencode(&filter.to_string())
            ))
            .await
            .field_error(field)
        }
    };
    assert!(
        bad(json!({ "tags": { "any": ["Nope"] } }), "filter.tags.any")
            .await
            .contains("Nope")
    );
    assert!(
        bad(
            json!({ "fields": [{ "field": "score", "op": "contains", "value": "9" }] }),
            "filter.fields[0]"
        )
        .await
        .contains("number field")
    );
    assert!(
        bad(
            json!({ "fields": [{ "field": "plan", "op": "eq", "value": "Bronze" }] }),
            "filter.fields[0]"
        )
        .await
        .contains("options")
    );
    assert!(bad(json!({ "consent": { "channel": "whatsapp", "purpose": "marketing", "status": "maybe" } }), "filter.consent.status").await.contains("opted_in"));
    assert!(
        bad(
            json!({ "created": { "after": "yesterday" } }),
            "filter.created.after"
        )
        .await
        .contains("RFC 3339")
    );
}
both!(filters_combine_in_sql);
