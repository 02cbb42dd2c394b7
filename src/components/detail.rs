//! The detail panel of an activated tile: what the index holds at once, then
//! the full record (`GET /api/asset/{id}`), decoded only for this asset.

use std::sync::Arc;

use chrono::DateTime;
use immich_api::AssetResponseDto;
use leptos::{prelude::*, task::spawn_local};
use library_core::{AssetKind, LibraryIndex};

use crate::data::{client::Client, session::Session};

/// Shows asset `selected` of `index`; closing sets `selected` to `None`.
#[component]
pub fn Detail(
    /// The library.
    #[prop(into)]
    index: Signal<Arc<LibraryIndex>>,
    /// The asset shown (index into `index`).
    selected: RwSignal<Option<u32>>,
    /// Credentials for the full record.
    session: RwSignal<Session>,
) -> impl IntoView {
    let full = RwSignal::new(None::<Result<AssetResponseDto, String>>);
    Effect::new(move |_| {
        let Some(i) = selected.get() else { return };
        let Some(id) = index.with_untracked(|ix| ix.id_string(i as usize)) else {
            return;
        };
        full.set(None);
        let client = Client::new(&session.get_untracked());
        spawn_local(async move {
            // The id is checked before it goes into the path: a bad one is
            // said on screen and never requested.
            let r = client.asset(&id, None).await.map_err(|e| e.to_string());
            if selected.get_untracked() == Some(i) {
                full.set(Some(r));
            }
        });
    });
    let summary = move || {
        let i = selected.get()? as usize;
        index.with(|ix| {
            let name = ix.file_name(i).unwrap_or("").to_owned();
            let when = ix
                .local_ms(i)
                .and_then(DateTime::from_timestamp_millis)
                .map(|d| d.format("%A %-d %B %Y, %H:%M").to_string())
                .unwrap_or_default();
            let kind = match ix.kind(i) {
                Some(AssetKind::Video) => "Video",
                Some(AssetKind::Image) => "Photo",
                _ => "Asset",
            };
            Some((name, when, kind))
        })
    };
    let close = move || selected.set(None);
    view! {
        <aside
            class="ig-detail"
            role="dialog"
            aria-modal="false"
            aria-label="Asset details"
            data-testid="detail"
            on:keydown=move |e| {
                if e.key() == "Escape" {
                    close();
                }
            }
        >
            <button type="button" class="ig-button ig-close" data-testid="detail-close" on:click=move |_| close()>
                "Close"
            </button>
            {move || summary().map(|(name, when, kind)| view! {
                <h2 data-testid="detail-name">{name}</h2>
                <p>{kind} " · " {when}</p>
            })}
            {move || match full.get() {
                None => view! { <p>"Loading details…"</p> }.into_any(),
                Some(Err(e)) => view! { <p role="alert">{e}</p> }.into_any(),
                Some(Ok(a)) => {
                    let exif = a.exif_info.clone().unwrap_or_default();
                    let place = [exif.city.clone(), exif.state.clone(), exif.country.clone()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", ");
                    let camera = [exif.make.clone(), exif.model.clone()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" ");
                    let size = match (exif.exif_image_width, exif.exif_image_height) {
                        (Some(w), Some(h)) => format!("{w} × {h}"),
                        _ => String::new(),
                    };
                    view! {
                        <dl class="ig-facts" data-testid="detail-facts">
                            <dt>"Place"</dt><dd>{place}</dd>
                            <dt>"Camera"</dt><dd>{camera}</dd>
                            <dt>"Size"</dt><dd>{size}</dd>
                            <dt>"Description"</dt><dd>{exif.description.clone().unwrap_or_default()}</dd>
                            <dt>"Tags"</dt>
                            <dd>{a.tags.clone().unwrap_or_default().into_iter().map(|t| t.name).collect::<Vec<_>>().join(", ")}</dd>
                        </dl>
                    }
                    .into_any()
                }
            }}
        </aside>
    }
}
