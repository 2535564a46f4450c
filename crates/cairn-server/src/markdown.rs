//! Markdown to safe HTML. Raw HTML in the source is shown as text, never
//! passed through, and links and images keep only http(s), mailto and
//! relative URLs, so nothing a user writes can run script in another
//! user's browser. (Escaping instead of sanitising HTML means there is no
//! allow-list to get wrong.)

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

fn safe_url(u: &str) -> bool {
    let t = u.trim().to_ascii_lowercase();
    // A relative URL or fragment has no scheme before its first / ? #.
    let scheme_end = t.find(':');
    let path_start = t.find(['/', '?', '#']);
    match scheme_end {
        None => true,
        Some(c) if path_start.is_some_and(|p| p < c) => true,
        Some(_) => t.starts_with("http:") || t.starts_with("https:") || t.starts_with("mailto:"),
    }
}

fn checked<'a>(url: CowStr<'a>, instead: &'static str) -> CowStr<'a> {
    if safe_url(&url) {
        url
    } else {
        CowStr::Borrowed(instead)
    }
}

pub fn render(src: &str) -> String {
    let opts = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    // Links with an unsafe URL lead nowhere; images with one show nothing.
    let events = Parser::new_ext(src, opts).map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: checked(dest_url, "#"),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: checked(dest_url, ""),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(src.len() * 2);
    html::push_html(&mut out, events);
    out
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn renders_markdown() {
        let h =
            render("# Title\n\n*em* and `code`\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n");
        assert!(h.contains("<h1>Title</h1>"), "{h}");
        assert!(h.contains("<em>em</em>"));
        assert!(h.contains("<code>code</code>"));
        assert!(h.contains("<li>a</li>"));
        assert!(h.contains("<table>"));
    }

    #[test]
    fn raw_html_is_text() {
        let h = render("hello <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n");
        assert!(!h.contains("<script"), "{h}");
        assert!(!h.contains("<img"), "{h}");
        assert!(h.contains("&lt;script&gt;"), "{h}");
    }

    #[test]
    fn dangerous_urls_are_dropped() {
        for src in [
            "[x](javascript:alert(1))",
            "[x](JaVaScRiPt:alert(1))",
            "[x]( javascript:alert(1))",
            "[x](data:text/html,<script>alert(1)</script>)",
            "[x](vbscript:msgbox)",
            "![x](javascript:alert(1))",
            "<javascript:alert(1)>",
        ] {
            let h = render(src).to_ascii_lowercase();
            for bad in [
                "href=\"javascript",
                "href=\" javascript",
                "src=\"javascript",
                "href=\"data:",
                "href=\"vbscript",
            ] {
                assert!(!h.contains(bad), "{src} -> {h}");
            }
        }
    }

    #[test]
    fn safe_urls_are_kept() {
        for (src, url) in [
            (
                "[x](https://example.com/a?b#c)",
                "https://example.com/a?b#c",
            ),
            ("[x](/items/PAY-1)", "/items/PAY-1"),
            ("[x](#top)", "#top"),
            ("[x](mailto:a@b.c)", "mailto:a@b.c"),
            ("[x](docs/a:b)", "docs/a:b"),
        ] {
            assert!(render(src).contains(&format!("href=\"{url}\"")), "{src}");
        }
    }
}
