//! Rendering the small Markdown subset of content texts to safe HTML.
//!
//! Editors write paragraphs, lists, emphasis, links and headings of level 2 to 4. Raw HTML
//! in a text is shown as text, never passed through; links may only point to web
//! addresses, email, telephone or paths on this site; images are reduced to their
//! description, because content images come with required alternative text through media
//! (not Markdown). Headings start at level 2, since the page title is the only `h1`.

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

/// Renders Markdown to HTML that is safe to embed in a page.
pub fn to_html(markdown: &str) -> String {
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES,
    );
    let mut in_image = false;

    let events = parser.filter_map(|event| match event {
        Event::Html(html) | Event::InlineHtml(html) => Some(Event::Text(html)),
        Event::Start(Tag::Image { .. }) => {
            in_image = true;
            None
        }
        Event::End(TagEnd::Image) => {
            in_image = false;
            None
        }
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Some(Event::Start(Tag::Heading {
            level: demote(level),
            id,
            classes,
            attrs,
        })),
        Event::End(TagEnd::Heading(level)) => Some(Event::End(TagEnd::Heading(demote(level)))),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let dest_url = if is_safe_link(&dest_url) {
                dest_url
            } else {
                CowStr::from("#")
            };
            Some(Event::Start(Tag::Link {
                link_type: plain(link_type),
                dest_url,
                title,
                id,
            }))
        }
        Event::Text(text) if in_image => Some(Event::Text(text)),
        other => Some(other),
    });

    let mut html = String::with_capacity(markdown.len() * 5 / 4);
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// The text of Markdown without any markup, for summaries, search and feeds.
pub fn to_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in Parser::new(markdown) {
        match event {
            Event::Text(part) | Event::Code(part) | Event::Html(part) | Event::InlineHtml(part) => {
                text.push_str(&part);
            }
            Event::SoftBreak | Event::HardBreak | Event::End(_)
                if !text.ends_with(' ') && !text.is_empty() =>
            {
                text.push(' ');
            }
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        other => other,
    }
}

/// Autolinks keep their text; everything else is an ordinary link.
fn plain(link_type: LinkType) -> LinkType {
    match link_type {
        LinkType::Autolink | LinkType::Email => link_type,
        _ => LinkType::Inline,
    }
}

fn is_safe_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["https://", "http://", "mailto:", "tel:", "/", "#"]
        .iter()
        .any(|prefix| lower.starts_with(prefix))
        && !lower.starts_with("//")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = to_html("Hallo <script>alert(1)</script> <b>fett</b>");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
    }

    #[test]
    fn only_safe_link_targets_survive() {
        assert!(to_html("[x](javascript:alert(1))").contains("href=\"#\""));
        assert!(to_html("[x](//evil.example)").contains("href=\"#\""));
        assert!(to_html("[x](https://musterstadt.example)").contains("href=\"https://"));
        assert!(to_html("[x](/de/services/a)").contains("href=\"/de/services/a\""));
    }

    #[test]
    fn headings_start_below_the_page_title() {
        assert!(to_html("# Titel").starts_with("<h2>"));
        assert!(to_html("### Abschnitt").starts_with("<h3>"));
    }

    #[test]
    fn images_become_their_description() {
        let html = to_html("![Ein Hund](https://example.org/hund.png)");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("Ein Hund"), "{html}");
    }

    #[test]
    fn text_drops_markup() {
        assert_eq!(
            to_text("**Fett** und [Link](https://x.example)\n\n- eins"),
            "Fett und Link eins"
        );
    }

    proptest! {
        #[test]
        fn no_input_produces_markup_outside_the_subset(input in ".{0,400}") {
            let html = to_html(&input);
            let lower = html.to_ascii_lowercase();
            prop_assert!(!lower.contains("<script"));
            prop_assert!(!lower.contains("<img"));
            prop_assert!(!lower.contains("<iframe"));
            prop_assert!(!lower.contains("href=\"javascript"));
        }

        #[test]
        fn arbitrary_tags_never_pass_through(tag in "[a-zA-Z]{1,8}", body in "[^<>]{0,40}") {
            let html = to_html(&format!("<{tag} onclick=\"x\">{body}</{tag}>"));
            let opening = format!("<{tag} ");
            prop_assert!(!html.contains(&opening));
        }
    }
}
