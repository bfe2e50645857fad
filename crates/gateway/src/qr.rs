//! The QR code of a new virtual MFA device (`QRCodePNG`): its `otpauth://`
//! URL as a PNG image, Base64-encoded.

use base64::Engine;
use qrcode::{Color, QrCode};
use rampart_core::ApiError;

/// Pixels per module.
const SCALE: usize = 6;
/// Modules of white border (the QR specification asks for 4).
const QUIET: usize = 4;

/// The PNG of `text`'s QR code, Base64-encoded. The image holds the seed:
/// its buffers are cleared after use.
pub(crate) fn png_base64(text: &str) -> Result<String, ApiError> {
    let code = QrCode::new(text.as_bytes()).map_err(ApiError::internal)?;
    let width = code.width();
    let colors = code.to_colors();
    let side = (width + 2 * QUIET) * SCALE;
    let mut pixels = zeroize::Zeroizing::new(vec![255u8; side * side]);
    for (i, c) in colors.iter().enumerate() {
        if *c != Color::Dark {
            continue;
        }
        let (mx, my) = (i % width + QUIET, i / width + QUIET);
        for y in my * SCALE..(my + 1) * SCALE {
            pixels[y * side + mx * SCALE..y * side + (mx + 1) * SCALE].fill(0);
        }
    }
    let mut out = zeroize::Zeroizing::new(Vec::new());
    {
        let side = u32::try_from(side).map_err(ApiError::internal)?;
        let mut enc = png::Encoder::new(&mut *out, side, side);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().map_err(ApiError::internal)?;
        w.write_image_data(&pixels).map_err(ApiError::internal)?;
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(out.as_slice()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_of_the_right_size() {
        let b64 = png_base64("otpauth://totp/a%40b?secret=ABC").unwrap();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        let dec = png::Decoder::new(bytes.as_slice());
        let reader = dec.read_info().unwrap();
        let info = reader.info();
        assert_eq!(info.width, info.height);
        assert_eq!(info.width as usize % SCALE, 0);
    }
}
