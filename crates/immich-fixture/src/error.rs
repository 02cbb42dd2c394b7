//! Immich's (NestJS's) JSON error bodies: `{"message":…,"error":…,"statusCode":…}`,
//! keys in that order, since ETags hash the exact bytes.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Serialize;

/// An error answer of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// One message, or the list class-validator produces.
    pub message: Message,
}

/// `message` of an error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Message {
    /// A single message (`"Authentication required"`).
    One(String),
    /// Validation messages (`["isFavorite must be a boolean value"]`).
    Many(Vec<String>),
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Body<'a> {
    message: &'a Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    status_code: u16,
}

impl ApiError {
    /// 400 with validation messages.
    pub fn validation(messages: Vec<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: Message::Many(messages),
        }
    }

    /// 400 with one message (access checks: `Not found or no timeline.read access`).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: Message::One(message.into()),
        }
    }

    /// 401 with a message (`Authentication required`, `Invalid API key`, …).
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            message: Message::One(message.into()),
        }
    }

    /// 404 with a message.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: Message::One(message.into()),
        }
    }

    /// Any status with a message (fault injection, server errors).
    pub fn status(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: Message::One(message.into()),
        }
    }

    /// The JSON body bytes.
    pub fn body(&self) -> Vec<u8> {
        // Nest leaves `error` out of 500s ("Internal server error" is the message).
        let error = match self.status {
            StatusCode::INTERNAL_SERVER_ERROR => None,
            s => s.canonical_reason(),
        };
        let body = Body {
            message: &self.message,
            error,
            status_code: self.status.as_u16(),
        };
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, self.body()).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_match_nest() {
        fn check(e: ApiError, expected: &str) {
            assert_eq!(String::from_utf8(e.body()).unwrap(), expected);
        }
        check(
            ApiError::unauthorized("Authentication required"),
            r#"{"message":"Authentication required","error":"Unauthorized","statusCode":401}"#,
        );
        check(
            ApiError::validation(vec!["isFavorite must be a boolean value".into()]),
            r#"{"message":["isFavorite must be a boolean value"],"error":"Bad Request","statusCode":400}"#,
        );
        check(
            ApiError::status(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"),
            r#"{"message":"Internal server error","statusCode":500}"#,
        );
    }
}
