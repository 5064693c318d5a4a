//! The request bin pages: the empty states, creating a bin from the form (with a field error), a
//! bin's page with its URL, curl example and captures (JSON bodies pretty-printed), clearing and
//! deleting, and who may see or change them.

use playgram_testkit::{Reply, TestApp, User, both};
use reqwest::Method;

use super::{capture, create_bin};

async fn post_form(user: &User, path: &str, fields: &[(&str, &str)]) -> Reply {
    let request = user.browser.request(Method::POST, path).form(fields);
    user.browser.send(request).await
}

fn redirect_of(reply: &Reply) -> String {
    assert_eq!(reply.status.as_u16(), 303, "{}", reply.text);
    reply.header("location").unwrap_or_default().to_owned()
}

/// The text of a page with askama's escapes undone, for reading quoted content.
fn unescape(html: &str) -> String {
    html.replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn a_bin_is_created_watched_cleared_and_deleted_from_the_pages(app: TestApp) {
    let owner = app.owner().await;
    let empty = owner.browser.get("/app/webhooks/bins").await;
    assert_eq!(empty.status.as_u16(), 200, "{}", empty.text);
    assert!(empty.text.contains("No request bins yet"), "{}", empty.text);
    assert!(empty.text.contains("Create bin"));

    let bad = post_form(&owner, "/app/webhooks/bins", &[("name", "  ")]).await;
    assert_eq!(bad.status.as_u16(), 422);
    assert!(bad.text.contains("Give the bin a name"), "{}", bad.text);
    assert!(bad.text.contains("aria-invalid=\"true\""));

    let to =
        redirect_of(&post_form(&owner, "/app/webhooks/bins", &[("name", "Staging hooks")]).await);
    assert!(to.starts_with("/app/webhooks/bins/bin_"), "{to}");
    let id = to.rsplit('/').next().unwrap().to_owned();
    let page = owner.browser.get(&to).await;
    assert_eq!(page.status.as_u16(), 200, "{}", page.text);
    let text = unescape(&page.text);
    let bin = owner
        .browser
        .get(&format!("/api/v1/request-bins/{id}"))
        .await
        .ok();
    let url = bin["url"].as_str().unwrap();
    assert!(
        text.contains("Staging hooks") && text.contains("is ready"),
        "{text}"
    );
    assert!(text.contains(&format!(
        "<code id=\"bin-url\" class=\"secret\" tabindex=\"0\">{url}</code>"
    )));
    assert!(text.contains(&format!("curl -X POST '{url}/hello?source=curl'")));
    assert!(text.contains("No requests yet") && text.contains("Send test event"));
    assert!(text.contains("Keeps the newest 1,000 requests for 72 hours"));
    assert!(
        text.contains(&format!("data-bin-live=\"{id}\" data-after=\"\"")),
        "live from the start"
    );
    let again = owner.browser.get(&to).await;
    assert!(
        !again.text.contains("is ready"),
        "the message is shown once"
    );

    // Captures appear newest first, expandable, JSON bodies re-indented in their own key order.
    let path = reqwest::Url::parse(url).unwrap().path().to_owned();
    let bare = app.bare();
    capture(
        &app,
        bare.request(Method::PUT, &format!("{path}/bytes"))
            .body(vec![0u8, 0xff]),
    )
    .await;
    let newest = capture(
        &app,
        bare.request(Method::POST, &format!("{path}/hello?source=test"))
            .header("content-type", "application/json")
            .header("x-signature", "v1,abc")
            .body(r#"{"z":1,"hello":"world"}"#),
    )
    .await;
    let page = unescape(&owner.browser.get(&to).await.text);
    assert!(
        page.contains(&format!("data-after=\"{newest}\"")),
        "the stream resumes after the newest shown"
    );
    assert!(
        page.contains("data-captures-empty hidden"),
        "the empty state is hidden"
    );
    let at = |needle: &str| {
        page.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {page}"))
    };
    assert!(at("/hello?source=test") < at("/bytes"), "newest first");
    assert!(page.contains("<span class=\"method method-post\">POST</span>"));
    assert!(
        page.contains("Body (JSON)") && page.contains("{\n  \"z\": 1,\n  \"hello\": \"world\"\n}")
    );
    assert!(page.contains("Body (binary, base64)") && page.contains("AP8="));
    assert!(page.contains("<code>x-signature</code>") && page.contains("<code>v1,abc</code>"));
    let list = owner.browser.get("/app/webhooks/bins").await.text;
    assert!(
        list.contains("2 requests") && list.contains("Staging hooks"),
        "{list}"
    );

    let to_bin =
        redirect_of(&post_form(&owner, &format!("/app/webhooks/bins/{id}/clear"), &[]).await);
    assert_eq!(to_bin, to);
    let cleared = owner.browser.get(&to).await.text;
    assert!(
        cleared.contains("2 captured requests are deleted.") && cleared.contains("No requests yet")
    );

    let to_list =
        redirect_of(&post_form(&owner, &format!("/app/webhooks/bins/{id}/delete"), &[]).await);
    assert_eq!(to_list, "/app/webhooks/bins");
    let list = unescape(&owner.browser.get(&to_list).await.text);
    assert!(
        list.contains("“Staging hooks” is deleted") && list.contains("No request bins yet"),
        "{list}"
    );
    owner
        .browser
        .get(&format!("/api/v1/request-bins/{id}"))
        .await
        .err(404, "not_found");
    assert_eq!(owner.browser.get(&to).await.status.as_u16(), 404);
}
both!(a_bin_is_created_watched_cleared_and_deleted_from_the_pages);

async fn managers_read_the_pages_and_viewers_are_refused(app: TestApp) {
    let owner = app.owner().await;
    let bin = create_bin(&owner.browser, "Watched").await;
    let page = format!("/app/webhooks/bins/{}", bin.id);
    let manager = app.join_as(&owner, "manager@example.com", "manager").await;
    let list = manager.browser.get("/app/webhooks/bins").await;
    assert_eq!(list.status.as_u16(), 200);
    assert!(list.text.contains("Watched") && list.text.contains("can see request bins"));
    assert!(!list.text.contains("Create bin") && !list.text.contains("Delete bin"));
    let detail = manager.browser.get(&page).await;
    assert_eq!(detail.status.as_u16(), 200);
    assert!(!detail.text.contains("Clear requests"));
    for (path, fields) in [
        ("/app/webhooks/bins".to_owned(), vec![("name", "Mine")]),
        (format!("{page}/clear"), vec![]),
        (format!("{page}/delete"), vec![]),
    ] {
        let refused = post_form(&manager, &path, &fields).await;
        assert_eq!(refused.status.as_u16(), 403, "{path}");
        assert!(
            refused
                .text
                .contains("Your role cannot change webhook endpoints"),
            "{}",
            refused.text
        );
    }
    let viewer = app.join_as(&owner, "viewer@example.com", "viewer").await;
    for path in ["/app/webhooks/bins", page.as_str()] {
        let refused = viewer.browser.get(path).await;
        assert_eq!(refused.status.as_u16(), 403);
        assert!(
            refused
                .text
                .contains("Your role cannot see webhooks or request bins.")
        );
    }
    let signed_out = app.browser().get("/app/webhooks/bins").await;
    assert_eq!(signed_out.status.as_u16(), 303);
}
both!(managers_read_the_pages_and_viewers_are_refused);
