//! One error type for every endpoint: a stable code, a message, and for
//! input errors the field. Internal details are logged with a reference
//! and never returned.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_app::AppError;
use cairn_store::StoreError;
use serde_json::{Value, json};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// An extra member of the error object (e.g. the current item on
    /// 412); boxed, so results carrying an `ApiError` stay small.
    pub extra: Option<Box<(&'static str, Value)>>,
    pub headers: Vec<(header::HeaderName, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            field: None,
            extra: None,
            headers: Vec::new(),
        }
    }

    pub fn bad_input(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_input", message).field(field)
    }

    pub fn field(mut self, f: &str) -> ApiError {
        self.field = Some(f.to_string());
        self
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "sign in first: send `Authorization: Bearer <token>` (create one with `cairn user token add`) or a session cookie",
        )
    }

    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    pub fn csrf() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf",
            "this request changes data but carries no valid CSRF token: reload the page and try again (scripts should use an API token instead of a session cookie)",
        )
    }
}

/// A short reference to find an internal error in the server log.
fn reference() -> String {
    use rand::Rng;
    format!("{:08x}", rand::thread_rng().r#gen::<u32>())
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        let code = e.code();
        match &e {
            AppError::Invalid(m) => ApiError::new(StatusCode::BAD_REQUEST, code, m.clone()),
            AppError::NotFound(m) | AppError::Store(StoreError::NotFound(m)) => {
                ApiError::new(StatusCode::NOT_FOUND, code, m.clone())
            }
            AppError::Query {
                message, column, ..
            } => {
                let mut a = ApiError::new(
                    StatusCode::BAD_REQUEST,
                    code,
                    format!("the query is not valid at column {column}: {message}"),
                )
                .field("q");
                a.extra = Some(Box::new(("column", json!(column))));
                a
            }
            AppError::Forbidden(m) => ApiError::new(StatusCode::FORBIDDEN, code, m.clone()),
            AppError::Gate(r) => {
                let mut a = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, e.to_string())
                    .field("state");
                a.extra = Some(Box::new(("gate", json!(r))));
                a
            }
            AppError::BadCredentials => {
                ApiError::new(StatusCode::UNAUTHORIZED, code, e.to_string())
            }
            AppError::RateLimited { retry_after } => {
                let mut a = ApiError::new(StatusCode::TOO_MANY_REQUESTS, code, e.to_string());
                a.headers
                    .push((header::RETRY_AFTER, retry_after.to_string()));
                a
            }
            AppError::Store(StoreError::Conflict { .. }) => {
                ApiError::new(StatusCode::PRECONDITION_FAILED, code, e.to_string())
            }
            AppError::Store(StoreError::Duplicate(_)) => {
                ApiError::new(StatusCode::CONFLICT, code, e.to_string())
            }
            AppError::Store(_) => {
                let r = reference();
                eprintln!("cairn serve: internal error {r}: {e}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    format!(
                        "something went wrong on the server (reference {r}); the server log has the details"
                    ),
                )
            }
        }
    }
}

impl ApiError {
    pub fn body(&self) -> Value {
        let mut err = json!({ "code": self.code, "message": self.message });
        if let Some(f) = &self.field {
            err["field"] = json!(f);
        }
        if let Some((k, v)) = self.extra.as_deref() {
            err[*k] = v.clone();
        }
        json!({ "error": err })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, Json(self.body())).into_response();
        for (k, v) in &self.headers {
            if let Ok(v) = HeaderValue::from_str(v) {
                r.headers_mut().insert(k.clone(), v);
            }
        }
        r
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
