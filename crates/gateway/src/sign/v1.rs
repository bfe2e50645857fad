//! RPC V1: `Base64(HMAC-SHA1(secret + "&", StringToSign))`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::percent_encode;

/// The canonicalized query string: every parameter but `Signature`,
/// percent-encoded, sorted by encoded name, joined with `&`.
pub fn canonical_query<'a>(params: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut pairs: Vec<(String, String)> = params
        .into_iter()
        .filter(|(k, _)| *k != "Signature")
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `METHOD & %2F & percentEncode(canonical)`.
pub fn string_to_sign(method: &str, canonical: &str) -> String {
    format!(
        "{}&%2F&{}",
        method.to_ascii_uppercase(),
        percent_encode(canonical)
    )
}

/// The credentials library's variant: the canonical string built with
/// `quote_plus`, so a space is `+` instead of `%20`.
pub fn string_to_sign_plus(method: &str, canonical: &str) -> String {
    string_to_sign(method, &canonical.replace("%20", "+"))
}

/// The signature of a string-to-sign.
pub fn sign(secret: &str, string_to_sign: &str) -> String {
    let key = format!("{secret}&");
    STANDARD.encode(rampart_crypto::hmac_sha1(
        key.as_bytes(),
        string_to_sign.as_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_vector() {
        let params = [
            ("AccessKeyId", "testid"),
            ("Action", "CreateKey"),
            ("Format", "json"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("Timestamp", "2016-03-28T03:13:08Z"),
            ("Version", "2016-01-20"),
        ];
        let sts = string_to_sign("GET", &canonical_query(params));
        // The KMS doc's signed URL carries this signature.
        assert_eq!(sign("testsecret", &sts), "41wk2SSX1GJh7fwnc5eqOfiJPFg=");
        // The doc's printed value `s/OdV…` is the HMAC of its misprinted
        // string-to-sign, which has literal `&` where `%26` belongs.
        let misprinted = sts.replace("%26", "&");
        assert_eq!(
            sign("testsecret", &misprinted),
            "s/OdVWMTmNGagvWlljdAJ7Itsew="
        );
    }

    #[test]
    fn tea_vector_with_special_chars() {
        let params = [
            ("Action", "GetSecretValue"),
            ("Format", "JSON"),
            ("Version", "2016-01-20"),
            ("AccessKeyId", "testak"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("SignatureNonce", "nonce-1"),
            ("Timestamp", "2024-01-01T00:00:00Z"),
            ("SecretName", "my secret*~"),
            ("Signature", "ignored"),
        ];
        let sts = string_to_sign("POST", &canonical_query(params));
        assert_eq!(
            sts,
            "POST&%2F&AccessKeyId%3Dtestak%26Action%3DGetSecretValue%26Format%3DJSON%26SecretName%3Dmy%2520secret%252A~%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dnonce-1%26SignatureVersion%3D1.0%26Timestamp%3D2024-01-01T00%253A00%253A00Z%26Version%3D2016-01-20"
        );
        assert_eq!(sign("testsecret", &sts), "Ttlp/oifoGGCmbeV0eG6aRfzj4Q=");
    }

    #[test]
    fn plus_variant_differs_only_for_spaces() {
        let c = canonical_query([("A", "x y")]);
        assert_eq!(string_to_sign_plus("GET", &c), "GET&%2F&A%3Dx%2By");
        let c = canonical_query([("A", "xy")]);
        assert_eq!(string_to_sign_plus("GET", &c), string_to_sign("GET", &c));
    }
}
