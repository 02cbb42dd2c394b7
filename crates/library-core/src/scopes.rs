//! Least privilege: whether an API key can do more than a read-only grid
//! needs, from its own permissions (`GET /api/api-keys/me`, Immich v1.139 on).

/// What this app needs of a key: list months and assets, show thumbnails,
/// previews and videos, know who is signed in and whose libraries are shared.
pub const READ_ONLY_PERMISSIONS: [&str; 4] =
    ["asset.read", "asset.view", "user.read", "partner.read"];

/// Longest permission name shown; longer names are cut (they come from the server).
const MAX_NAME: usize = 48;

/// Names shown before "and N more".
const MAX_SHOWN: usize = 5;

/// A key that can do more than the grid needs: what it holds beyond that, and
/// what to do, in plain words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyWarning {
    /// The permissions beyond the grid's (`all` when the key has every one).
    pub excess: Vec<String>,
    /// The message shown to the person.
    pub message: String,
}

/// `None` when `permissions` are within [`READ_ONLY_PERMISSIONS`]; else the
/// warning. An empty list (a key that can do nothing) is not an excess.
pub fn key_warning(permissions: &[String]) -> Option<KeyWarning> {
    let mut excess: Vec<String> = Vec::new();
    for p in permissions {
        if READ_ONLY_PERMISSIONS.contains(&p.as_str()) || excess.contains(p) {
            continue;
        }
        excess.push(p.clone());
    }
    if excess.is_empty() {
        return None;
    }
    let what = if excess.iter().any(|p| p == "all") {
        "every permission (\"all\")".to_owned()
    } else {
        let shown: Vec<String> = excess
            .iter()
            .take(MAX_SHOWN)
            .map(|p| p.chars().take(MAX_NAME).collect())
            .collect();
        let more = excess.len().saturating_sub(MAX_SHOWN);
        if more > 0 {
            format!("{} and {more} more", shown.join(", "))
        } else {
            shown.join(", ")
        }
    };
    Some(KeyWarning {
        message: format!(
            "This API key can do more than this read-only grid needs: {what}. \
             Create a key with only {} in Immich → Account settings → API keys, and sign in with that one.",
            READ_ONLY_PERMISSIONS.join(", ")
        ),
        excess,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn an_all_key_is_warned_with_what_to_do() {
        let w = key_warning(&names(&["all"])).unwrap();
        assert_eq!(w.excess, ["all"]);
        assert!(w.message.contains("every permission (\"all\")"));
        assert!(w.message.contains(
            "only asset.read, asset.view, user.read, partner.read in Immich → Account settings → API keys"
        ));
    }

    #[test]
    fn the_read_only_set_and_its_subsets_are_fine() {
        assert_eq!(key_warning(&names(&READ_ONLY_PERMISSIONS)), None);
        assert_eq!(key_warning(&names(&["asset.read", "asset.view"])), None);
        assert_eq!(key_warning(&[]), None);
    }

    #[test]
    fn extra_permissions_are_named_once_and_bounded() {
        let w = key_warning(&names(&[
            "asset.read",
            "asset.delete",
            "asset.delete",
            "album.create",
        ]))
        .unwrap();
        assert_eq!(w.excess, ["asset.delete", "album.create"]);
        assert!(w.message.contains("needs: asset.delete, album.create."));
        let many: Vec<String> = (0..9).map(|i| format!("p{i}.x")).collect();
        let w = key_warning(&many).unwrap();
        assert!(w
            .message
            .contains("p0.x, p1.x, p2.x, p3.x, p4.x and 4 more"));
        let long = vec!["x".repeat(10_000)];
        assert!(key_warning(&long).unwrap().message.len() < 400);
    }
}
