use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use serde::Deserialize;

use super::{escape, shortcodes::SHORTCODES, to_html};

/// The examples the web client is tested against too.
const CASES: &str = include_str!("../../../../web/src/features/chat/markup/cases.json");
const WEB_SHORTCODES: &str =
    include_str!("../../../../web/src/features/chat/markup/shortcodes.json");

#[derive(Deserialize)]
struct Case {
    name: String,
    body: String,
    html: String,
}

#[test]
fn renders_every_shared_case_as_the_web_client_does() -> serde_json::Result<()> {
    let cases: Vec<Case> = serde_json::from_str(CASES)?;
    assert!(cases.len() > 50);
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let html = to_html(&case.body);
            (html != case.html).then(|| {
                format!(
                    "{}\n  body: {:?}\n  want: {}\n  got:  {html}",
                    case.name, case.body, case.html
                )
            })
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    Ok(())
}

#[test]
fn knows_the_same_shortcodes_as_the_web_client() -> serde_json::Result<()> {
    let web: BTreeMap<String, String> = serde_json::from_str(WEB_SHORTCODES)?;
    let ours: BTreeMap<String, String> = SHORTCODES
        .iter()
        .map(|&(code, emoji)| (code.to_owned(), emoji.to_owned()))
        .collect();
    assert_eq!(ours, web);
    assert!(
        SHORTCODES.windows(2).all(|w| w[0].0 < w[1].0),
        "sorted for the binary search"
    );
    Ok(())
}

#[test]
fn escapes_everything_that_matters() {
    assert_eq!(
        escape("<script>\"x\" & 'y'</script>"),
        "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
    );
}

#[test]
fn ten_thousand_levels_of_nesting_stop_at_the_cap() {
    let quotes = to_html(&format!("{} deep", ">".repeat(10_000)));
    assert_eq!(quotes.matches("<blockquote>").count(), 5);
    assert!(quotes.contains(&format!("{} deep", "&gt;".repeat(9_995))));

    let lists = to_html(&format!("{}x", "- ".repeat(10_000)));
    assert_eq!(lists.matches("<ul>").count(), 5);

    let indented: Vec<String> = (0..2_000)
        .map(|level| format!("{}- {level}", "  ".repeat(level)))
        .collect();
    let lists = to_html(&indented.join("\n"));
    assert_eq!(lists.matches("<ul>").count(), 5);
    assert!(lists.contains("- 1999"));

    let emphasis = to_html(&format!(
        "{}x{}",
        "*a _b ".repeat(2_500),
        " b_ a*".repeat(2_500)
    ));
    assert_eq!(emphasis.matches("<em>").count(), 5);
    assert!(!emphasis.contains("<em><em><em><em><em><em>"));
}

/// Bodies built to make a careless parser quadratic (or worse), each far larger than the
/// largest body the server stores.
fn storms(size: usize) -> Vec<(&'static str, String)> {
    let repeat = |unit: &str| unit.repeat(size / unit.len());
    let growing_ticks: String = (1..)
        .map(|n| "`".repeat(n) + " ")
        .scan(0, |len, run| {
            *len += run.len();
            (*len < size).then_some(run)
        })
        .collect();
    vec![
        ("backticks of growing length", growing_ticks),
        ("one backtick each", repeat("` ")),
        ("unclosed brackets", repeat("[")),
        ("brackets without a URL", repeat("[a](")),
        ("links without an end", repeat("[a](b ")),
        ("unclosed stars", repeat("**a ")),
        ("unclosed underscores", repeat("_a ")),
        ("unclosed tildes", repeat("~~a ")),
        ("mixed delimiters", repeat("*_~~**__")),
        ("URLs without an end", repeat("http://(")),
        ("schemes only", repeat("https:// ")),
        ("at signs", repeat("@")),
        ("shortcodes without an end", repeat(":smile")),
        ("backslashes", repeat("\\")),
        ("quote markers", repeat(">")),
        ("list markers", repeat("- ")),
        ("fences", repeat("```\n")),
        ("nested quote lines", repeat("> > > > > > > > a\n")),
    ]
}

#[test]
fn hostile_bodies_render_in_linear_time() {
    // 200 KB: linear work takes milliseconds even in a debug build; quadratic work would take
    // minutes.
    for (name, body) in storms(200_000) {
        let started = Instant::now();
        let html = to_html(&body);
        let took = started.elapsed();
        assert!(took < Duration::from_secs(2), "{name}: {took:?}");
        assert!(!html.contains("<script"), "{name}");
    }
}

#[test]
fn only_allowed_schemes_become_links() {
    for href in [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "file:///etc/passwd",
        "//evil.example.com",
        "/relative",
        "jav&#x61;script:alert(1)",
        "https:/one-slash",
        "https:///three-slashes",
    ] {
        let html = to_html(&format!("[x]({href})"));
        assert!(!html.contains("<a "), "{href}: {html}");
    }
    for href in [
        "https://example.com",
        "HTTP://EXAMPLE.COM",
        "mailto:a@example.com",
    ] {
        let html = to_html(&format!("[x]({href})"));
        assert!(
            html.contains(&format!(
                "<a href=\"{href}\" target=\"_blank\" rel=\"noopener noreferrer nofollow\">"
            )),
            "{href}: {html}"
        );
    }
}
