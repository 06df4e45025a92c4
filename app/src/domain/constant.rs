//! Constants (SPEC C1–C4, API.md "Constants"): one value per environment,
//! global or secret. Secrets are write-only: every read shows `MASK`.
use super::input::Validate;
use crate::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What every read shows in place of a secret (D3, C3).
pub const MASK: &str = "********";

/// A name a template can refer to (C1; R1 for pages, components, inputs and
/// queries): `^[A-Za-z_][A-Za-z0-9_]*$`, 1–50 characters.
pub fn identifier(field: &str, raw: &str) -> AppResult<String> {
    const MAX: usize = 50;
    let mut chars = raw.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if raw.is_empty() {
        return Err(AppError::invalid(field, format!("{field} is required")));
    }
    if raw.len() > MAX {
        return Err(AppError::invalid(
            field,
            format!("{field} must be at most {MAX} characters"),
        ));
    }
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(AppError::invalid(
            field,
            format!(
                "{field} must start with a letter or _ and hold only letters, digits and _ (got {raw:?})"
            ),
        ));
    }
    Ok(raw.to_string())
}

/// `global` (shown, usable anywhere) or `secret` (write-only, server-side
/// only). It never changes once the constant exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ConstantType {
    Global,
    Secret,
}

impl ConstantType {
    pub fn as_str(self) -> &'static str {
        match self {
            ConstantType::Global => "global",
            ConstantType::Secret => "secret",
        }
    }

    pub fn parse(raw: &str) -> Option<ConstantType> {
        match raw {
            "global" => Some(ConstantType::Global),
            "secret" => Some(ConstantType::Secret),
            _ => None,
        }
    }

    /// The namespace a template reads it from: `{{constants.X}}` or
    /// `{{secrets.X}}`.
    pub fn namespace(self) -> &'static str {
        match self {
            ConstantType::Global => "constants",
            ConstantType::Secret => "secrets",
        }
    }
}

/// A constant as listed: secrets' values masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConstantView {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ConstantType,
    /// Environment name to value; an environment without a value is absent.
    pub values: BTreeMap<String, String>,
}

/// A value, 1–10,000 characters (C1), taken as sent: leading spaces may
/// matter to whatever reads it.
pub fn value(field: &str, raw: &str) -> AppResult<String> {
    const MAX: usize = 10_000;
    if raw.is_empty() {
        return Err(AppError::invalid(
            field,
            format!("{field} must not be empty (delete the value instead)"),
        ));
    }
    if raw.chars().count() > MAX {
        return Err(AppError::invalid(
            field,
            format!("{field} must be at most {MAX} characters"),
        ));
    }
    Ok(raw.to_string())
}

/// `POST /constants` as sent.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewConstantInput {
    #[serde(default)]
    pub name: String,
    /// `global` or `secret`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Environment name to value.
    #[serde(default)]
    pub values: BTreeMap<String, String>,
}

pub struct NewConstant {
    pub name: String,
    pub kind: ConstantType,
    /// Checked values; the service checks the environment names.
    pub values: BTreeMap<String, String>,
}

impl Validate for NewConstantInput {
    type Valid = NewConstant;
    fn validate(self) -> AppResult<NewConstant> {
        let name = identifier("name", &self.name)?;
        let kind = ConstantType::parse(&self.kind)
            .ok_or_else(|| AppError::invalid("type", "type must be \"global\" or \"secret\""))?;
        let mut values = BTreeMap::new();
        for (env, raw) in self.values {
            let field = format!("values.{env}");
            if kind == ConstantType::Secret && raw == MASK {
                return Err(AppError::invalid(
                    &field,
                    format!("{field}: enter the secret itself, not {MASK}"),
                ));
            }
            values.insert(env, value(&field, &raw)?);
        }
        Ok(NewConstant { name, kind, values })
    }
}

/// `PUT /constants/{id}/values/{E}` as sent.
#[derive(Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ConstantValueInput {
    #[serde(default)]
    pub value: String,
}

impl Validate for ConstantValueInput {
    /// The value as sent; a secret sent back as `MASK` keeps the stored one
    /// (D3), which the service knows.
    type Valid = String;
    fn validate(self) -> AppResult<String> {
        value("value", &self.value)
    }
}

/// The constants page: the constants, the environments as columns, and
/// why the caller may not change them (the controls are disabled with it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConstantsPage {
    pub constants: Vec<ConstantView>,
    pub environments: Vec<String>,
    pub change_refusal: Option<String>,
}
