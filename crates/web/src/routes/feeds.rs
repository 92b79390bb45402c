//! Channels for machines: the Atom feed of news, the sitemap and robots.txt.

use std::fmt::Write as _;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rathaus_content::model::{Kind, Variant};

use crate::error::WebError;
use crate::page::PageContext;
use crate::state::AppState;

/// Escapes text for XML.
fn xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => escaped.push(c),
        }
    }
    escaped
}

/// `/{lang}/news/feed.atom`: the current news as an Atom feed.
pub async fn news_feed(
    State(state): State<AppState>,
    Path(lang): Path<String>,
) -> Result<Response, WebError> {
    let context = PageContext::new(&state, &lang)?;
    let base = &state.config().server.public_url;
    let city = &state.config().city.name;
    let feed_url = format!("{base}{}", context.url("/news/feed.atom"));
    let news: Vec<_> = context.catalog.current_news(context.now).take(50).collect();
    let updated = news.first().map_or(context.now, |item| item.published_at);

    let mut feed = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let _ = write!(
        feed,
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\">\n<title>{}</title>\n\
         <id>{}</id>\n<link rel=\"self\" href=\"{}\"/>\n<link href=\"{base}{}\"/>\n\
         <updated>{}</updated>\n<author><name>{}</name></author>\n",
        context.variant.language_tag(),
        xml(&context.texts.format("feed_title", &[("city", city)])),
        xml(&feed_url),
        xml(&feed_url),
        context.url("/news"),
        updated.to_rfc3339(),
        xml(city),
    );
    for item in news {
        let texts = item.texts().resolve(context.variant).1;
        let url = format!("{base}{}", context.item_url(Kind::News, &item.key));
        let _ = write!(
            feed,
            "<entry>\n<title>{}</title>\n<id>{}</id>\n<link href=\"{}\"/>\n\
             <published>{}</published>\n<updated>{}</updated>\n<summary>{}</summary>\n\
             <content type=\"html\">{}</content>\n</entry>\n",
            xml(&texts.title),
            xml(&url),
            xml(&url),
            item.published_at.to_rfc3339(),
            item.published_at.to_rfc3339(),
            xml(&texts.summary),
            xml(&rathaus_content::markdown::to_html(&texts.body)),
        );
    }
    feed.push_str("</feed>\n");

    Ok((
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        feed,
    )
        .into_response())
}

/// `/sitemap.xml`: every public page in every variant, with its language alternatives.
pub async fn sitemap(State(state): State<AppState>) -> Response {
    let catalog = state.catalog();
    let now = state.now();
    let base = &state.config().server.public_url;

    let mut paths: Vec<String> = ["/", "/a-z", "/offices", "/life-situations", "/news"]
        .iter()
        .map(|path| (*path).to_owned())
        .collect();
    paths.extend(
        catalog
            .services()
            .map(|item| format!("/services/{}", item.key)),
    );
    paths.extend(
        catalog
            .offices()
            .map(|item| format!("/offices/{}", item.key)),
    );
    paths.extend(
        catalog
            .life_situations()
            .map(|item| format!("/life-situations/{}", item.key)),
    );
    paths.extend(
        catalog
            .current_news(now)
            .map(|item| format!("/news/{}", item.key)),
    );
    paths.extend(catalog.pages().map(|item| format!("/pages/{}", item.key)));

    let mut xml_text = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset \
         xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" \
         xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for path in &paths {
        for variant in Variant::ALL {
            let _ = write!(
                xml_text,
                "<url><loc>{}</loc>",
                xml(&format!("{base}/{}{path}", variant.code()))
            );
            for alternate in Variant::ALL {
                let _ = write!(
                    xml_text,
                    "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{}\"/>",
                    alternate.language_tag(),
                    xml(&format!("{base}/{}{path}", alternate.code())),
                );
            }
            xml_text.push_str("</url>\n");
        }
    }
    xml_text.push_str("</urlset>\n");

    (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        xml_text,
    )
        .into_response()
}

/// `/robots.txt`: everything may be indexed except search results and the API.
pub async fn robots(State(state): State<AppState>) -> Response {
    let base = &state.config().server.public_url;
    let mut text = String::from("User-agent: *\nDisallow: /api/\n");
    for variant in Variant::ALL {
        let _ = writeln!(text, "Disallow: /{}/search", variant.code());
    }
    let _ = writeln!(text, "Sitemap: {base}/sitemap.xml");
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

#[cfg(test)]
mod tests {
    use super::xml;

    #[test]
    fn xml_escapes_markup_and_drops_control_characters() {
        assert_eq!(xml("a<b>&\"'\u{1}"), "a&lt;b&gt;&amp;&quot;&apos;");
    }
}
