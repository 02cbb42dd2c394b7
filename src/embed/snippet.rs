//! The embed code for the current view, as the *Embed* panel writes it: a
//! custom element and an iframe. Pure (tested natively); never a key: the
//! element names the server, and the visitor signs in there.

use crate::{components::grid::GridMode, url_state::Field};

/// What a snippet shows.
#[derive(Clone, Debug, PartialEq)]
pub struct EmbedView<'a> {
    /// Where the app is served, ending in `/` (`https://photos.example.org/grid/`).
    pub app_url: &'a str,
    /// The Immich address.
    pub server: &'a str,
    /// The view's query string (the URL's filter names).
    pub search: &'a str,
    /// Tile shape.
    pub layout: GridMode,
    /// Row height or tile size, CSS pixels.
    pub size: f32,
}

/// Height of the embedded grid, CSS pixels.
const HEIGHT: u32 = 480;

/// `<script>` plus `<immich-grid …>` for the view.
pub fn element(v: &EmbedView<'_>) -> String {
    let mut attrs = format!(" server=\"{}\"", attr(v.server));
    for (key, value) in pairs(v.search) {
        let Some(field) = Field::from_key(&key) else {
            continue;
        };
        let value = match (field, value.as_str()) {
            (Field::Favorite | Field::Archived, "true") => "only".to_owned(),
            (Field::Favorite | Field::Archived, "false") => "exclude".to_owned(),
            _ => value,
        };
        attrs.push_str(&format!(" {}=\"{}\"", field.slug(), attr(&value)));
    }
    if v.layout == GridMode::Square {
        attrs.push_str(" layout=\"square\"");
    }
    attrs.push_str(&format!(" size=\"{}\" height=\"{HEIGHT}\"", v.size.round()));
    format!(
        "<script type=\"module\" src=\"{}immich-grid.js\"></script>\n<immich-grid{attrs}></immich-grid>",
        attr(v.app_url)
    )
}

/// `<iframe …>` of the app in embed mode with the view in its URL.
pub fn iframe(v: &EmbedView<'_>) -> String {
    let mut query = String::from("embed=1");
    // Only the view's own parameters: nothing else of a URL travels.
    for part in v.search.split('&').filter(|p| !p.is_empty()) {
        let key = decode(part.split_once('=').map_or(part, |(k, _)| k));
        if Field::from_key(&key).is_some() {
            query.push('&');
            query.push_str(part);
        }
    }
    if v.layout == GridMode::Square {
        query.push_str("&layout=square");
    }
    query.push_str(&format!("&size={}", v.size.round()));
    format!(
        "<iframe src=\"{}?{}\" title=\"Photos\" loading=\"lazy\" width=\"100%\" height=\"{HEIGHT}\"></iframe>",
        attr(v.app_url),
        attr(&query)
    )
}

/// Decoded `key=value` pairs of a query string.
fn pairs(search: &str) -> Vec<(String, String)> {
    search
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        // Two hex digits: at most 255.
                        out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Escapes text for a double-quoted HTML attribute.
fn attr(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests: a panic is a failure
mod tests {
    use super::*;

    const VIEW: EmbedView<'static> = EmbedView {
        app_url: "https://photos.example.org/grid/",
        server: "https://photos.example.org",
        search: "isFavorite=true&type=photos&q=sea%20side",
        layout: GridMode::Square,
        size: 160.0,
    };

    #[test]
    fn element_snippet() {
        assert_eq!(
            element(&VIEW),
            "<script type=\"module\" src=\"https://photos.example.org/grid/immich-grid.js\"></script>\n\
             <immich-grid server=\"https://photos.example.org\" favorite=\"only\" type=\"photos\" text=\"sea side\" layout=\"square\" size=\"160\" height=\"480\"></immich-grid>"
        );
    }

    #[test]
    fn iframe_snippet() {
        assert_eq!(
            iframe(&VIEW),
            "<iframe src=\"https://photos.example.org/grid/?embed=1&amp;isFavorite=true&amp;type=photos&amp;q=sea%20side&amp;layout=square&amp;size=160\" title=\"Photos\" loading=\"lazy\" width=\"100%\" height=\"480\"></iframe>"
        );
    }

    #[test]
    fn no_key_and_escaped() {
        let v = EmbedView {
            server: "https://x.org/\"><script>",
            search: "key=abc&apiKey=def&isArchived=false",
            layout: GridMode::Justified,
            ..VIEW
        };
        let e = element(&v);
        assert!(!e.contains("abc") && !e.contains("def"), "{e}");
        let f = iframe(&v);
        assert!(!f.contains("abc") && !f.contains("def"), "{f}");
        assert!(
            e.contains("server=\"https://x.org/&quot;&gt;&lt;script&gt;\""),
            "{e}"
        );
        assert!(e.contains("archived=\"exclude\""), "{e}");
        assert!(!e.contains("layout="), "{e}");
    }
}
