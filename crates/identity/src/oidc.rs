//! The OpenID Connect side of signing in through an external identity provider: discovery
//! (cached per provider), the authorization request (authorization code with PKCE S256,
//! state and nonce), and the code exchange with the full check of the ID token: issuer,
//! audience, signature against the provider's published keys, expiry and nonce; an
//! unsigned token (`alg: none`) is refused. What an answer means for accounts and sessions
//! is decided in the store (`store::providers`).
//!
//! The HTTP client follows no redirects (a provider that redirects its token endpoint could
//! otherwise send our requests anywhere) and gives up after the configured timeout.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use crate::config::ProviderConfig;
use crate::error::IdentityError;

/// How long a provider's discovery document and keys are used before they are fetched
/// again, so that rotated keys are picked up.
const DISCOVERY_LIFETIME: Duration = Duration::from_mins(15);

/// An authorization request to send the browser to, with the secrets to keep until the
/// answer comes.
pub(crate) struct AuthorizationRequest {
    pub(crate) url: String,
    pub(crate) state: String,
    pub(crate) nonce: String,
    pub(crate) pkce_verifier: String,
}

/// The claims of an ID token that passed every check.
pub(crate) struct VerifiedToken {
    /// The provider's stable identifier of the person.
    pub(crate) subject: String,
    /// Every claim of the token, as sent.
    pub(crate) claims: Map<String, Value>,
}

/// The HTTP client and the discovery cache shared by all providers.
#[derive(Debug, Clone)]
pub(crate) struct ProviderClient {
    http: Result<openidconnect::reqwest::Client, String>,
    discovered: std::sync::Arc<Mutex<HashMap<String, (CoreProviderMetadata, Instant)>>>,
}

impl ProviderClient {
    /// A client whose requests take at most `timeout` each and follow no redirects.
    pub(crate) fn new(timeout: Duration) -> ProviderClient {
        let http = openidconnect::reqwest::ClientBuilder::new()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .connect_timeout(timeout)
            .timeout(timeout)
            .build()
            .map_err(|error| error.to_string());
        ProviderClient {
            http,
            discovered: std::sync::Arc::default(),
        }
    }

    fn http(&self) -> Result<&openidconnect::reqwest::Client, IdentityError> {
        self.http
            .as_ref()
            .map_err(|why| IdentityError::ProviderUnavailable(format!("HTTP client: {why}")))
    }

    /// The provider's discovery document with its keys, from the cache while it is fresh.
    async fn metadata(
        &self,
        provider: &ProviderConfig,
    ) -> Result<CoreProviderMetadata, IdentityError> {
        let mut cache = self.discovered.lock().await;
        if let Some((metadata, fetched)) = cache.get(&provider.id)
            && fetched.elapsed() < DISCOVERY_LIFETIME
        {
            return Ok(metadata.clone());
        }

        let issuer = IssuerUrl::new(provider.issuer_url.clone())
            .map_err(|error| unavailable(provider, "issuer URL", &error))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, self.http()?)
            .await
            .map_err(|error| unavailable(provider, "discovery", &error))?;
        cache.insert(provider.id.clone(), (metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    /// Forgets the provider's discovery document, so that the next use fetches it anew
    /// (after a token signed with a key the cached set does not have).
    async fn forget(&self, provider: &ProviderConfig) {
        self.discovered.lock().await.remove(&provider.id);
    }

    /// An authorization request for the code flow with PKCE, asking for the provider's
    /// scopes and, when given, the assurance values in `acr_values`.
    pub(crate) async fn authorization_request(
        &self,
        provider: &ProviderConfig,
        redirect_uri: &str,
        acr_values: &[String],
    ) -> Result<AuthorizationRequest, IdentityError> {
        let client = client_for(provider, self.metadata(provider).await?, redirect_uri)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in provider.scopes.iter().filter(|scope| *scope != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        for value in acr_values {
            request =
                request.add_auth_context_value(AuthenticationContextClass::new(value.clone()));
        }
        let (url, state, nonce) = request.url();

        Ok(AuthorizationRequest {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code for tokens and checks the ID token completely. A token signed
    /// with a key the cached set lacks is checked once more against freshly fetched keys.
    pub(crate) async fn redeem(
        &self,
        provider: &ProviderConfig,
        redirect_uri: &str,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<VerifiedToken, IdentityError> {
        let client = client_for(provider, self.metadata(provider).await?, redirect_uri)?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|error| unavailable(provider, "token endpoint", &error))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(self.http()?)
            .await
            .map_err(|error| IdentityError::TokenInvalid(format!("code exchange: {error}")))?;
        let Some(id_token) = openidconnect::TokenResponse::id_token(&response) else {
            return Err(IdentityError::TokenInvalid(
                "no ID token in the answer".to_owned(),
            ));
        };
        let nonce = Nonce::new(nonce.to_owned());

        let subject = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.subject().to_string(),
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(
                openidconnect::SignatureVerificationError::NoMatchingKey,
            )) => {
                // The provider may have rotated its keys since discovery.
                self.forget(provider).await;
                let fresh = client_for(provider, self.metadata(provider).await?, redirect_uri)?;
                let claims = id_token
                    .claims(&fresh.id_token_verifier(), &nonce)
                    .map_err(|error| IdentityError::TokenInvalid(error.to_string()))?;
                claims.subject().to_string()
            }
            Err(error) => return Err(IdentityError::TokenInvalid(error.to_string())),
        };

        Ok(VerifiedToken {
            subject,
            claims: payload_of(&id_token.to_string())?,
        })
    }
}

/// A client for one provider from its discovery document.
fn client_for(
    provider: &ProviderConfig,
    metadata: CoreProviderMetadata,
    redirect_uri: &str,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    IdentityError,
> {
    let secret = (!provider.client_secret.is_empty())
        .then(|| ClientSecret::new(provider.client_secret.clone()));
    let redirect = RedirectUrl::new(redirect_uri.to_owned())
        .map_err(|error| unavailable(provider, "redirect URI", &error))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.client_id.clone()),
        secret,
    )
    .set_redirect_uri(redirect))
}

/// The claims of a compact JWT whose signature was checked already, as a JSON object, so
/// that every claim (not only the standard ones) can be mapped.
fn payload_of(jwt: &str) -> Result<Map<String, Value>, IdentityError> {
    use base64::Engine as _;

    let payload = jwt.split('.').nth(1).unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|error| IdentityError::TokenInvalid(format!("payload: {error}")))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(claims)) => Ok(claims),
        Ok(_) => Err(IdentityError::TokenInvalid(
            "payload is no object".to_owned(),
        )),
        Err(error) => Err(IdentityError::TokenInvalid(format!("payload: {error}"))),
    }
}

fn unavailable(
    provider: &ProviderConfig,
    step: &str,
    error: &impl std::fmt::Display,
) -> IdentityError {
    IdentityError::ProviderUnavailable(format!("{} {step}: {error}", provider.id))
}

/// The claim at a dotted path, such as `address.locality`.
pub(crate) fn claim_at<'a>(claims: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    // A claim whose name has dots itself is found before the path is split.
    if let Some(value) = claims.get(path) {
        return Some(value);
    }
    let mut parts = path.split('.');
    let mut current = claims.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(current)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn claims_are_found_by_dotted_paths() {
        let Value::Object(claims) = json!({
            "acr": "level3",
            "address": {"locality": "München"},
            "urn.example.level": "x",
        }) else {
            unreachable!()
        };
        assert_eq!(claim_at(&claims, "acr"), Some(&json!("level3")));
        assert_eq!(
            claim_at(&claims, "address.locality"),
            Some(&json!("München"))
        );
        assert_eq!(claim_at(&claims, "urn.example.level"), Some(&json!("x")));
        assert_eq!(claim_at(&claims, "address.street"), None);
        assert_eq!(claim_at(&claims, "acr.value"), None);
    }

    #[test]
    fn the_payload_of_a_token_is_read_as_json() {
        let claims = payload_of("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhYmMifQ.c2ln").unwrap();
        assert_eq!(claims["sub"], json!("abc"));
        assert!(payload_of("no-token").is_err());
    }
}
