//! Virtual MFA devices: TOTP seeds sealed in the store, bound to a user by
//! two consecutive codes, checked at console logon.

use data_encoding::BASE32_NOPAD;
use rampart_crypto::{ct_eq, open, random_bytes, seal, totp_code, totp_step, Purpose};
use rampart_store::{Entity, MfaDeviceRow, StoreError};
use serde::Serialize;
use zeroize::Zeroizing;

use super::{store_err, UserName};
use crate::{ApiError, Rampart};

/// Bytes of a new seed (160 bits, as RFC 4226 recommends).
const SEED_LEN: usize = 20;
/// How many time steps back a bound pair of codes may start (about two
/// minutes to type them in).
const BIND_WINDOW_STEPS: i64 = 4;

/// A new device: the only answer that holds its seed.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NewMfaDevice {
    /// `acs:ram::<account id>:mfa/<name>`.
    pub serial_number: String,
    /// The seed, Base32 without padding, for authenticator apps.
    pub base32_string_seed: String,
    /// The `otpauth://totp/…` URL a QR code of the device encodes.
    #[serde(skip)]
    pub otpauth_url: String,
}

impl std::fmt::Debug for NewMfaDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewMfaDevice")
            .field("serial_number", &self.serial_number)
            .finish_non_exhaustive()
    }
}

/// A device in `ListVirtualMFADevices`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MfaDeviceView {
    /// Serial number.
    pub serial_number: String,
    /// When it was bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activate_date: Option<String>,
    /// The user it is bound to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<MfaUserView>,
}

/// The user of a bound device.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MfaUserView {
    /// User id.
    pub user_id: String,
    /// User name.
    pub user_name: String,
    /// Display name.
    pub display_name: String,
}

impl From<MfaDeviceRow> for MfaDeviceView {
    fn from(d: MfaDeviceRow) -> Self {
        Self {
            serial_number: d.serial_number,
            activate_date: d.activated_at.map(crate::time::format),
            user: d
                .user
                .map(|(user_id, user_name, display_name)| MfaUserView {
                    user_id,
                    user_name,
                    display_name,
                }),
        }
    }
}

fn device_missing() -> ApiError {
    ApiError::of(
        crate::codes::ENTITY_NOT_EXIST_VIRTUAL_MFA_DEVICE,
        "The virtual MFA device does not exist.",
    )
}

fn not_bound() -> ApiError {
    ApiError::of(
        crate::codes::ENTITY_NOT_EXIST_USER_MFA_DEVICE,
        "The user has no MFA device bound.",
    )
}

fn already_bound() -> ApiError {
    ApiError::of(crate::codes::ENTITY_ALREADY_EXISTS_USER_MFA_DEVICE,
        "The user already has an MFA device, or the device is bound to another user; unbind it first.",
    )
}

fn wrong_codes() -> ApiError {
    ApiError::of(crate::codes::INVALID_PARAMETER_AUTHENTICATION_CODE,
        "The authentication codes are wrong: give two consecutive 6-digit codes the device shows now.",
    )
}

/// `VirtualMFADeviceName`: 1–64 of letters, digits, `.`, `-`.
pub fn device_name(v: &str) -> Result<(), ApiError> {
    if v.is_empty() || v.chars().count() > 64 {
        return Err(ApiError::of(
            crate::codes::INVALID_PARAMETER_VIRTUAL_MFA_DEVICE_NAME_LENGTH,
            "The parameter - \"VirtualMFADeviceName\" must be 1 to 64 characters long.",
        ));
    }
    if !v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    {
        return Err(ApiError::of(crate::codes::INVALID_PARAMETER_VIRTUAL_MFA_DEVICE_NAME_INVALID_CHARS,
            "The parameter - \"VirtualMFADeviceName\" may hold only letters, digits, periods (.) and hyphens (-).",
        ));
    }
    Ok(())
}

/// A code as typed: 6 digits.
fn code_form(param: &str, v: &str) -> Result<(), ApiError> {
    if v.len() != 6 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::dynamic(
            400,
            format!("InvalidParameter.{param}.Format"),
            format!("The parameter \"{param}\" must be the 6 digits the MFA device shows."),
        ));
    }
    Ok(())
}

fn seed_aad(serial: &str) -> Vec<u8> {
    format!("rampart/mfa-seed/{serial}").into_bytes()
}

impl Rampart {
    fn mfa_serial(&self, name: &str) -> String {
        format!("acs:ram::{}:mfa/{name}", self.account_id)
    }

    fn seed_of(&self, d: &MfaDeviceRow) -> Result<Zeroizing<Vec<u8>>, ApiError> {
        open(
            self.keyring.key(Purpose::MfaSeed),
            &d.seed_sealed,
            &seed_aad(&d.serial_number),
        )
        .map(Zeroizing::new)
        .map_err(ApiError::internal)
    }

    /// `CreateVirtualMFADevice`: a new unbound device and its seed.
    pub fn create_virtual_mfa_device(&self, name: &str) -> Result<NewMfaDevice, ApiError> {
        device_name(name)?;
        let serial = self.mfa_serial(name);
        let seed = Zeroizing::new(random_bytes::<SEED_LEN>());
        let row = MfaDeviceRow {
            serial_number: serial.clone(),
            seed_sealed: seal(
                self.keyring.key(Purpose::MfaSeed),
                seed.as_slice(),
                &seed_aad(&serial),
            ),
            user: None,
            created_at: self.now(),
            activated_at: None,
            last_step: 0,
        };
        self.store
            .create_mfa_device(&row, self.settings.limits.users)
            .map_err(|e| match e {
                StoreError::Conflict(Entity::MfaDevice) => ApiError::of(
                    crate::codes::ENTITY_ALREADY_EXISTS_VIRTUAL_MFA_DEVICE,
                    "A virtual MFA device of this name already exists.",
                ),
                StoreError::Limit(Entity::MfaDevice) => ApiError::of(
                    crate::codes::LIMIT_EXCEEDED_VIRTUAL_MFA_DEVICE,
                    "The count of virtual MFA devices beyond the current limits.",
                ),
                e => store_err(e),
            })?;
        let b32 = BASE32_NOPAD.encode(seed.as_slice());
        let label = format!("{name}@{}", self.account_alias()?);
        let otpauth_url = format!(
            "otpauth://totp/{}?secret={b32}&issuer=Rampart&algorithm=SHA1&digits=6&period=30",
            label.replace('@', "%40")
        );
        Ok(NewMfaDevice {
            serial_number: serial,
            base32_string_seed: b32,
            otpauth_url,
        })
    }

    /// `ListVirtualMFADevices`.
    pub fn list_virtual_mfa_devices(&self) -> Result<Vec<MfaDeviceView>, ApiError> {
        Ok(self
            .store
            .list_mfa_devices()
            .map_err(store_err)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// `DeleteVirtualMFADevice`: an unbound device.
    pub fn delete_virtual_mfa_device(&self, serial: &str) -> Result<(), ApiError> {
        self.store.delete_mfa_device(serial).map_err(|e| match e {
            StoreError::NotFound(Entity::MfaDevice) => device_missing(),
            StoreError::DeleteConflict(Entity::MfaDevice) => ApiError::of(
                crate::codes::DELETE_CONFLICT_VIRTUAL_MFA_DEVICE_USER,
                "The virtual MFA device is bound to a user; unbind it first (UnbindMFADevice).",
            ),
            e => store_err(e),
        })
    }

    /// `BindMFADevice`: two consecutive codes prove the user holds the seed.
    pub fn bind_mfa_device(
        &self,
        user_name: &UserName,
        serial: &str,
        code1: &str,
        code2: &str,
    ) -> Result<(), ApiError> {
        code_form("AuthenticationCode1", code1)?;
        code_form("AuthenticationCode2", code2)?;
        let d = self
            .store
            .get_mfa_device(serial)
            .map_err(store_err)?
            .ok_or_else(device_missing)?;
        if d.user.is_some() {
            return Err(already_bound());
        }
        let seed = self.seed_of(&d)?;
        let now = totp_step(self.now());
        let found = (now - BIND_WINDOW_STEPS..=now).find(|s| {
            ct_eq(totp_code(&seed, *s).as_bytes(), code1.as_bytes())
                && ct_eq(totp_code(&seed, s + 1).as_bytes(), code2.as_bytes())
        });
        let Some(step) = found else {
            return Err(wrong_codes());
        };
        self.store
            .bind_mfa_device(user_name, serial, self.now(), step + 1)
            .map_err(|e| match e {
                StoreError::NotFound(Entity::MfaDevice) => device_missing(),
                StoreError::Conflict(Entity::MfaDevice) => already_bound(),
                e => store_err(e),
            })
    }

    /// `UnbindMFADevice`: returns the serial number of the device unbound.
    pub fn unbind_mfa_device(&self, user_name: &UserName) -> Result<String, ApiError> {
        self.store
            .unbind_mfa_device(user_name)
            .map(|d| d.serial_number)
            .map_err(|e| match e {
                StoreError::NotFound(Entity::MfaDevice) => not_bound(),
                e => store_err(e),
            })
    }

    /// `GetUserMFAInfo`: the serial number of the user's device.
    pub fn user_mfa_info(&self, user_name: &UserName) -> Result<String, ApiError> {
        self.store
            .user_mfa_device(user_name)
            .map_err(store_err)?
            .map(|d| d.serial_number)
            .ok_or_else(not_bound)
    }

    /// Whether a user has an MFA device bound (console logon asks for a
    /// code then).
    pub fn user_has_mfa(&self, user_name: &UserName) -> Result<bool, ApiError> {
        match self.store.user_mfa_device(user_name) {
            Ok(d) => Ok(d.is_some()),
            Err(StoreError::NotFound(_)) => Ok(false),
            Err(e) => Err(ApiError::internal(e)),
        }
    }

    /// Checks a code of the user's device: the current time step or one
    /// next to it, later than any code used before (a code is good once).
    pub fn check_mfa_code(&self, user_name: &UserName, code: &str) -> Result<bool, ApiError> {
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(false);
        }
        let Some(d) = self
            .store
            .user_mfa_device(user_name)
            .map_err(ApiError::internal)?
        else {
            return Ok(false);
        };
        let seed = self.seed_of(&d)?;
        let now = totp_step(self.now());
        let found = (now - 1..=now + 1)
            .filter(|s| *s > d.last_step)
            .find(|s| ct_eq(totp_code(&seed, *s).as_bytes(), code.as_bytes()));
        match found {
            Some(step) => self
                .store
                .use_mfa_step(&d.serial_number, step)
                .map_err(ApiError::internal),
            None => Ok(false),
        }
    }
}
