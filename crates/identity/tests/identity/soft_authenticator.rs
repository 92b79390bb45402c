//! A software authenticator for the passkey tests: it answers the options of a ceremony as a
//! browser with a platform authenticator would, signing with a P-256 key held in memory.
//! Real devices cannot run here; this one follows the WebAuthn formats (authenticator data,
//! a "none" attestation in CBOR, ES256 signatures over the authenticator data and the hash
//! of the client data), so the store checks its answers exactly as it checks a browser's.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

/// The origin the test store's relying party accepts.
pub const ORIGIN: &str = "http://localhost:8080";

/// Flags of the authenticator data: user present, user verified, credential data attached.
const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const CREDENTIAL_DATA: u8 = 0x40;

/// One passkey on a software device.
pub struct SoftPasskey {
    key: SigningKey,
    /// The authenticator's id of the credential.
    pub credential_id: Vec<u8>,
    /// The user handle stored with it: the account's id as the options gave it.
    pub user_handle: Vec<u8>,
    counter: u32,
}

impl SoftPasskey {
    /// Answers registration options (`navigator.credentials.create()`) from `origin`: the new
    /// passkey and the JSON the browser would send back. `seed` makes the key, so that tests
    /// are repeatable; different seeds give different passkeys.
    pub fn register(options: &Value, origin: &str, seed: u8) -> (SoftPasskey, String) {
        let public_key = &options["publicKey"];
        let rp_id = public_key["rp"]["id"].as_str().unwrap();
        let user_handle = decode(public_key["user"]["id"].as_str().unwrap());
        let key = SigningKey::from_slice(&[seed.max(1); 32]).unwrap();
        let credential_id: Vec<u8> = (0..16).map(|index| seed ^ index).collect();

        let client_data = client_data("webauthn.create", public_key, origin);
        let mut auth_data =
            authenticator_data(rp_id, USER_PRESENT | USER_VERIFIED | CREDENTIAL_DATA, 0);
        auth_data.extend_from_slice(&[0; 16]); // no AAGUID
        auth_data.extend_from_slice(&u16::try_from(credential_id.len()).unwrap().to_be_bytes());
        auth_data.extend_from_slice(&credential_id);
        auth_data.extend_from_slice(&cose_key(&key));

        let mut attestation = vec![0xa3];
        attestation.extend(text("fmt"));
        attestation.extend(text("none"));
        attestation.extend(text("attStmt"));
        attestation.push(0xa0);
        attestation.extend(text("authData"));
        attestation.extend(bytes(&auth_data));

        let answer = json!({
            "id": URL_SAFE_NO_PAD.encode(&credential_id),
            "rawId": URL_SAFE_NO_PAD.encode(&credential_id),
            "type": "public-key",
            "response": {
                "attestationObject": URL_SAFE_NO_PAD.encode(attestation),
                "clientDataJSON": URL_SAFE_NO_PAD.encode(client_data),
            },
            "extensions": {},
        });
        let passkey = SoftPasskey {
            key,
            credential_id,
            user_handle,
            counter: 0,
        };
        (passkey, answer.to_string())
    }

    /// Answers sign-in options (`navigator.credentials.get()`) from `origin`, with the user
    /// verified, counting the signature.
    pub fn sign(&mut self, options: &Value, origin: &str) -> String {
        self.counter += 1;
        self.sign_as(
            options,
            origin,
            &self.user_handle.clone(),
            USER_PRESENT | USER_VERIFIED,
        )
    }

    /// Answers sign-in options naming `user_handle` as the account and with `flags`, as a
    /// forged or faulty authenticator might.
    pub fn sign_as(&self, options: &Value, origin: &str, user_handle: &[u8], flags: u8) -> String {
        let public_key = &options["publicKey"];
        let rp_id = public_key["rpId"].as_str().unwrap();
        let client_data = client_data("webauthn.get", public_key, origin);
        let auth_data = authenticator_data(rp_id, flags, self.counter);
        let mut signed = auth_data.clone();
        signed.extend_from_slice(&Sha256::digest(&client_data));
        let signature: Signature = self.key.sign(&signed);

        json!({
            "id": URL_SAFE_NO_PAD.encode(&self.credential_id),
            "rawId": URL_SAFE_NO_PAD.encode(&self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": URL_SAFE_NO_PAD.encode(auth_data),
                "clientDataJSON": URL_SAFE_NO_PAD.encode(client_data),
                "signature": URL_SAFE_NO_PAD.encode(signature.to_der().as_bytes()),
                "userHandle": URL_SAFE_NO_PAD.encode(user_handle),
            },
            "extensions": {},
        })
        .to_string()
    }
}

/// Flags of an authenticator that saw the person but did not verify them.
pub const PRESENT_ONLY: u8 = USER_PRESENT;

fn decode(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).unwrap()
}

fn client_data(kind: &str, public_key: &Value, origin: &str) -> Vec<u8> {
    json!({
        "type": kind,
        "challenge": public_key["challenge"].as_str().unwrap(),
        "origin": origin,
        "crossOrigin": false,
    })
    .to_string()
    .into_bytes()
}

fn authenticator_data(rp_id: &str, flags: u8, counter: u32) -> Vec<u8> {
    let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
    data.push(flags);
    data.extend_from_slice(&counter.to_be_bytes());
    data
}

/// The public key as a COSE key in CBOR: EC2, ES256, P-256, x and y.
fn cose_key(key: &SigningKey) -> Vec<u8> {
    let point = key.verifying_key().to_sec1_point(false);
    let coordinates = point.as_bytes();
    let (x, y) = coordinates[1..].split_at(32);
    let mut cbor = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21];
    cbor.extend(bytes(x));
    cbor.push(0x22);
    cbor.extend(bytes(y));
    cbor
}

/// A CBOR text string (short).
fn text(value: &str) -> Vec<u8> {
    let mut cbor = vec![0x60 | u8::try_from(value.len()).unwrap()];
    cbor.extend_from_slice(value.as_bytes());
    cbor
}

/// A CBOR byte string.
fn bytes(value: &[u8]) -> Vec<u8> {
    let mut cbor = match value.len() {
        length @ 0..24 => vec![0x40 | u8::try_from(length).unwrap()],
        length @ 24..256 => vec![0x58, u8::try_from(length).unwrap()],
        length => {
            let mut header = vec![0x59];
            header.extend_from_slice(&u16::try_from(length).unwrap().to_be_bytes());
            header
        }
    };
    cbor.extend_from_slice(value);
    cbor
}
