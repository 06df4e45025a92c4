//! The OpenAPI 3.1 document of `/api/v1` (SPEC B5): its frame (title,
//! server, the two ways to authenticate, the error body) and the error
//! answers every operation lists. The operations themselves come from the
//! handlers' `#[utoipa::path]`, beside each handler.
use crate::state::AppState;
use app::error::AppError;
use axum::Json;
use serde::Serialize;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder, ServerBuilder};
use utoipa::{IntoResponses, PartialSchema, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Every failure's body (API.md "Conventions").
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: AppError,
}

/// No valid session or token.
#[derive(IntoResponses)]
#[response(status = 401)]
pub struct Unauthenticated(#[to_schema] pub ErrorBody);

/// Signed in, but a permission is missing (the message names it).
#[derive(IntoResponses)]
#[response(status = 403)]
pub struct Forbidden(#[to_schema] pub ErrorBody);

/// No such thing, or the caller has no access at all to the app.
#[derive(IntoResponses)]
#[response(status = 404)]
pub struct NotFound(#[to_schema] pub ErrorBody);

/// A duplicate, a wrong state or a stale request.
#[derive(IntoResponses)]
#[response(status = 409)]
pub struct Conflict(#[to_schema] pub ErrorBody);

/// Bad input; `field` names the first wrong field.
#[derive(IntoResponses)]
#[response(status = 422)]
pub struct Invalid(#[to_schema] pub ErrorBody);

/// Too many sign-in attempts.
#[derive(IntoResponses)]
#[response(status = 429)]
pub struct RateLimited(#[to_schema] pub ErrorBody);

/// The security scheme names operations refer to.
pub const BEARER: &str = "token";
pub const COOKIE: &str = "session";

/// The document's frame, before the operations are added.
pub fn base() -> OpenApi {
    let mut doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Stagecraft HTTP API")
                .version("1")
                .description(Some(
                    "The second door to Stagecraft's service layer, for scripts and CI \
                     pipelines. Checks answer in this order: 401, 404, 403, 422, 409.",
                ))
                .build(),
        )
        .servers(Some([ServerBuilder::new().url("/api/v1").build()]))
        .build();
    let components = doc.components.get_or_insert_with(Default::default);
    // The error body, and what it refers to, once for every operation.
    let mut schemas = vec![(ErrorBody::name().into_owned(), ErrorBody::schema())];
    <ErrorBody as ToSchema>::schemas(&mut schemas);
    components.schemas.extend(schemas);
    components.add_security_scheme(
        BEARER,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "A personal access token (the Tokens page, or POST /tokens)",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        COOKIE,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("stagecraft_session"))),
    );
    // Every operation needs one of the two unless it says otherwise.
    doc.security = Some(vec![
        utoipa::openapi::security::SecurityRequirement::new::<_, _, String>(BEARER, []),
        utoipa::openapi::security::SecurityRequirement::new::<_, _, String>(COOKIE, []),
    ]);
    doc
}

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(openapi_json))
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
async fn openapi_json() -> Json<&'static OpenApi> {
    Json(super::document())
}
