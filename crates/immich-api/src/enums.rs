//! String enums of the spec, open to values a newer server may add.
//!
//! Each enum has one variant per value the v1.103.1 spec lists plus
//! `Unknown(String)`, which keeps any other text and writes it back unchanged,
//! so a newer server's value neither breaks decoding nor gets lost when the
//! value is re-serialized.

/// Defines an open string enum: known variants with their wire text, plus
/// `Unknown(String)`, with its JSON reader, serde impls (feature `serde`)
/// and helpers.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this crate does not know (from a newer server), kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Every value the v1.103.1 spec lists, in the spec's order.
            pub const KNOWN: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The wire text of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Unknown(text) => text.as_str(),
                }
            }

            /// Maps wire text to a value; text that is not listed becomes `Unknown`.
            pub fn from_wire(text: &str) -> Self {
                match text {
                    $( $text => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                }
            }

            /// True for values outside the v1.103.1 spec.
            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl crate::json::FromJson for $name {
            fn read(r: &mut crate::json::Reader<'_>) -> Result<Self, crate::json::Error> {
                r.str().map(|text| $name::from_wire(&text))
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                // An owned String copes with escaped JSON strings, which a borrowed &str cannot.
                let text = String::deserialize(deserializer)?;
                Ok($name::from_wire(&text))
            }
        }
    };
}

open_enum! {
    /// `AssetTypeEnum`: what kind of file an asset is.
    AssetTypeEnum {
        /// A still image (photos, including the still half of a live photo).
        Image = "IMAGE",
        /// A video.
        Video = "VIDEO",
        /// An audio file.
        Audio = "AUDIO",
        /// Anything else.
        Other = "OTHER",
    }
}

open_enum! {
    /// `UserAvatarColor`: the colour of a user's default avatar.
    UserAvatarColor {
        /// `primary`.
        Primary = "primary",
        /// `pink`.
        Pink = "pink",
        /// `red`.
        Red = "red",
        /// `yellow`.
        Yellow = "yellow",
        /// `blue`.
        Blue = "blue",
        /// `green`.
        Green = "green",
        /// `purple`.
        Purple = "purple",
        /// `orange`.
        Orange = "orange",
        /// `gray`.
        Gray = "gray",
        /// `amber`.
        Amber = "amber",
    }
}

open_enum! {
    /// `UserStatus`: the lifecycle state of a user account.
    UserStatus {
        /// A normal account.
        Active = "active",
        /// Deletion has been requested and is in progress.
        Removing = "removing",
        /// The account is deleted.
        Deleted = "deleted",
    }
}

open_enum! {
    /// `TagTypeEnum`: where a tag came from.
    TagTypeEnum {
        /// Detected object.
        Object = "OBJECT",
        /// Face.
        Face = "FACE",
        /// Made by the user.
        Custom = "CUSTOM",
    }
}

open_enum! {
    /// The `direction` query parameter of `GET /api/partner` (required; the
    /// spec declares its values inline on the parameter, not as a schema).
    PartnerDirection {
        /// `shared-by`: the users the caller shares their own library with.
        SharedBy = "shared-by",
        /// `shared-with`: the users who share their library with the caller,
        /// whose timelines the caller may list with `GET /api/asset?userId=`.
        SharedWith = "shared-with",
    }
}

#[cfg(all(test, feature = "serde"))]
mod tests {
    use super::*;

    fn check_round_trip<T>(json: &str, expected: T)
    where
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let decoded: T = serde_json::from_str(json).unwrap();
        assert_eq!(decoded, expected);
        assert_eq!(serde_json::to_string(&decoded).unwrap(), json);
    }

    #[test]
    fn known_and_unknown_values() {
        check_round_trip("\"IMAGE\"", AssetTypeEnum::Image);
        check_round_trip("\"VIDEO\"", AssetTypeEnum::Video);
        check_round_trip("\"HOLOGRAM\"", AssetTypeEnum::Unknown("HOLOGRAM".into()));
        // Case matters on the wire: "image" is not a known value.
        check_round_trip("\"image\"", AssetTypeEnum::Unknown("image".into()));
        check_round_trip("\"amber\"", UserAvatarColor::Amber);
        check_round_trip("\"teal\"", UserAvatarColor::Unknown("teal".into()));
        check_round_trip("\"removing\"", UserStatus::Removing);
        check_round_trip("\"suspended\"", UserStatus::Unknown("suspended".into()));
        check_round_trip("\"CUSTOM\"", TagTypeEnum::Custom);
        check_round_trip("\"\"", TagTypeEnum::Unknown(String::new()));
        check_round_trip("\"shared-with\"", PartnerDirection::SharedWith);
        check_round_trip("\"shared-by\"", PartnerDirection::SharedBy);
        check_round_trip(
            "\"shared_with\"",
            PartnerDirection::Unknown("shared_with".into()),
        );
        // Escapes in the text survive the trip.
        check_round_trip("\"A\\\"B\"", TagTypeEnum::Unknown("A\"B".into()));
    }

    #[test]
    fn non_strings_are_refused() {
        assert!(serde_json::from_str::<AssetTypeEnum>("1").is_err());
        assert!(serde_json::from_str::<AssetTypeEnum>("null").is_err());
    }

    #[test]
    fn known_lists_round_trip_through_from_wire() {
        for value in AssetTypeEnum::KNOWN {
            assert_eq!(&AssetTypeEnum::from_wire(value.as_str()), value);
            assert!(!value.is_unknown());
        }
        assert_eq!(UserAvatarColor::KNOWN.len(), 10);
        assert_eq!(UserStatus::KNOWN.len(), 3);
        assert_eq!(TagTypeEnum::KNOWN.len(), 3);
        assert_eq!(PartnerDirection::KNOWN.len(), 2);
    }
}

open_enum! {
    /// `AssetVisibility` (v1.133+ servers; not in the v1.103.1 spec): where an
    /// asset is shown. Replaces `isArchived` of the older payloads.
    AssetVisibility {
        /// `archive`: archived, off the main timeline.
        Archive = "archive",
        /// `timeline`: on the main timeline.
        Timeline = "timeline",
        /// `hidden`: the video half of a live photo.
        Hidden = "hidden",
        /// `locked`: in the locked folder.
        Locked = "locked",
    }
}
