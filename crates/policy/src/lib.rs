//! RAM policy language (placeholder until the engine lands).
