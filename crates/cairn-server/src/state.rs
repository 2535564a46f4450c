//! What every handler shares: the connection pool and the server's
//! settings. Nothing here is per-user state.

use crate::pool::Pool;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub pool: Arc<Pool>,
    /// Mark cookies Secure (the server is behind TLS).
    pub secure_cookies: bool,
}
