//! The web console, served at `/console`.

use std::sync::Arc;

use axum::Router;
use rampart_gateway::Gateway;

/// The console's routes (mounted under `/console`).
pub fn router(_gateway: Arc<Gateway>) -> Router {
    Router::new()
}
