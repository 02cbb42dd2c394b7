//! Small server-info bodies and the error body.

/// `ServerPingResponse`: body of `GET /api/server-info/ping`, `{"res":"pong"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ServerPingResponse {
    /// Always `"pong"` from a healthy server.
    pub res: String,
}

impl ServerPingResponse {
    /// The body Immich sends.
    pub fn pong() -> Self {
        Self {
            res: "pong".to_owned(),
        }
    }
}

/// `ServerVersionResponseDto`: body of `GET /api/server-info/version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ServerVersionResponseDto {
    /// Major version.
    pub major: i64,
    /// Minor version.
    pub minor: i64,
    /// Patch version.
    pub patch: i64,
}

impl std::fmt::Display for ServerVersionResponseDto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Immich's error body (NestJS's default): not in the spec, observed on the wire.
///
/// `{"message":["…","…"],"error":"Bad Request","statusCode":400}` for
/// validation failures, `{"message":"Authentication required","error":"Unauthorized","statusCode":401}`
/// otherwise. `error` may be missing on some NestJS errors, so it is optional.
/// Fields are in the order NestJS writes them (`message`, `error`, `statusCode`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "camelCase"))]
pub struct ErrorResponse {
    /// What went wrong: one string or a list of validation messages.
    pub message: ErrorMessage,
    /// HTTP reason phrase (`"Bad Request"`).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub error: Option<String>,
    /// HTTP status code.
    pub status_code: u16,
}

impl ErrorResponse {
    /// Builds the body Immich sends for `status` with a reason phrase and message.
    pub fn new(status_code: u16, error: impl Into<String>, message: ErrorMessage) -> Self {
        Self {
            error: Some(error.into()),
            status_code,
            message,
        }
    }
}

/// The `message` of an [`ErrorResponse`]: a string or an array of strings.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(untagged))]
pub enum ErrorMessage {
    /// `"message": "…"`.
    One(String),
    /// `"message": ["…", "…"]` (class-validator failures).
    Many(Vec<String>),
}

impl ErrorMessage {
    /// The message as one line; several messages are joined with `"; "`.
    pub fn text(&self) -> String {
        match self {
            ErrorMessage::One(text) => text.clone(),
            ErrorMessage::Many(list) => list.join("; "),
        }
    }
}

impl std::fmt::Display for ErrorMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text())
    }
}
