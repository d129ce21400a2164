//! The OpenAPI document's frame; the paths come from the handlers' annotations.

use utoipa::{
    Modify, OpenApi,
    openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme},
};

/// Title, version, shared schemas and security schemes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard API",
        description = "Team chat and helpdesk. Success: `{ok: true, data}`; errors: \
                       `{ok: false, code, message, requestId}` with a fitting status."
    ),
    components(schemas(crate::error::ErrorBody, crate::error::Code)),
    modifiers(&SecuritySchemes),
    security(("session" = []), ("bearer" = []))
)]
pub struct ApiDoc;

/// Adds the cookie and bearer schemes.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("sb_session"))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
