//! RAM secrets (`SecretType=RAMCredentials`): Secrets Manager keeps a RAM
//! user's AccessKey and rotates it through the service role.

use rampart_store::SecretRow;
use serde_json::{Map, Value};

use super::secrets::CreateSecret;
use crate::{ApiError, Rampart};

impl Rampart {
    /// Creates a RAM secret.
    pub fn create_ram_secret(&self, _req: CreateSecret) -> Result<Value, ApiError> {
        Err(ApiError::new(
            400,
            "Rejected.UnsupportedOperation",
            "Unsupported operation: RAM secrets are not available in this build yet.",
        ))
    }

    /// Adds the rotation state of a RAM secret to DescribeSecret.
    pub(crate) fn add_rotation_status(
        &self,
        _o: &mut Map<String, Value>,
        _row: &SecretRow,
    ) -> Result<(), ApiError> {
        Ok(())
    }
}
