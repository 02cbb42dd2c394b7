//! The viewer's info panel: the opened asset's full record
//! (`GET /api/asset/{id}`), worded by [`crate::format`].

use immich_api::AssetResponseDto;
use leptos::prelude::*;

use std::sync::Arc;

use crate::{data::urls::AssetId, format, locale::Locale};

/// Every fact of the record that is present; a link to a map at its
/// coordinates. Beside the photo on wide screens, sliding up from the
/// bottom on phones (style/viewer.css).
#[component]
pub fn Info(
    /// The record of the shown asset (`None` while it loads).
    full: RwSignal<Option<(AssetId, Result<AssetResponseDto, String>)>>,
) -> impl IntoView {
    let locale = use_context::<Arc<Locale>>().unwrap_or_default();
    view! {
        <aside class="ig-v-info" id="ig-viewer-info" aria-label="Information" data-testid="viewer-info">
            <h2 class="ig-v-info-title">"Info"</h2>
            {move || full.with(|f| match f {
                None => view! { <p data-testid="viewer-info-loading">"Loading details…"</p> }.into_any(),
                Some((_, Err(e))) => view! { <p role="alert">{e.clone()}</p> }.into_any(),
                Some((_, Ok(a))) => {
                    let rows = format::facts(a, &locale)
                        .into_iter()
                        .map(|f| {
                            view! {
                                <dt>{f.label}</dt>
                                <dd data-testid=format!("info-{}", f.key)>{f.value}</dd>
                            }
                        })
                        .collect_view();
                    let map = format::asset_map_url(a).map(|u| view! {
                        <p>
                            <a href=u target="_blank" rel="noopener noreferrer" data-testid="info-map">
                                "Show on map"
                            </a>
                        </p>
                    });
                    view! {
                        <dl class="ig-facts" data-testid="viewer-facts">{rows}</dl>
                        {map}
                    }
                    .into_any()
                }
            })}
        </aside>
    }
}
