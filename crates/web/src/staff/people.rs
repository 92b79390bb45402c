//! Managing staff: the list of accounts, invitations by email, roles, blocking an account,
//! resetting a lost authenticator, and the audit log of security events. Administrators
//! only.

use std::collections::{BTreeMap, BTreeSet};

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use rathaus_base::mail::MailMessage;
use rathaus_identity::{Grants, IdentityError, OfficeRole, Role};
use serde::Serialize;
use uuid::Uuid;

use super::auth::{grant_labels, office_name, role_label};
use super::{SignedIn, StaffLayout, render};
use crate::error::WebError;
use crate::state::AppState;

#[derive(Serialize)]
struct PersonView {
    id: String,
    name: String,
    email: String,
    roles: Vec<(&'static str, &'static str, bool)>,
    /// Each role held in one office: the form value, and the role and office in words.
    office_roles: Vec<(String, String)>,
    second_factor: bool,
    disabled: bool,
    is_self: bool,
}

#[derive(Serialize, Default)]
struct InviteView {
    email: String,
    name: String,
    roles: Vec<(&'static str, &'static str, bool)>,
    /// The office and role chosen for a role in one office.
    add_office: String,
    add_office_role: String,
    errors: BTreeMap<&'static str, String>,
}

fn role_choices(chosen: &BTreeSet<Role>) -> Vec<(&'static str, &'static str, bool)> {
    Role::ALL
        .into_iter()
        .map(|role| (role.as_str(), role_label(role), chosen.contains(&role)))
        .collect()
}

/// The roles held per office, as the form lists them.
fn office_role_views(state: &AppState, grants: &BTreeSet<OfficeRole>) -> Vec<(String, String)> {
    grants
        .iter()
        .map(|grant| {
            let label = format!(
                "{} in {}",
                role_label(grant.role),
                office_name(state, &grant.office)
            );
            (grant.to_text(), label)
        })
        .collect()
}

/// The published offices by name, for choosing where a role holds.
fn office_choices(state: &AppState) -> Vec<(String, String)> {
    let catalog = state.catalog();
    let mut offices: Vec<(String, String)> = catalog
        .offices()
        .map(|office| (office.key.clone(), office.de.name.clone()))
        .collect();
    offices.sort_by(|a, b| a.1.cmp(&b.1));
    offices
}

/// The roles that can be held per office, for the form.
fn office_role_choices() -> Vec<(&'static str, &'static str)> {
    Role::ALL
        .into_iter()
        .filter(|role| role.is_per_office())
        .map(|role| (role.as_str(), role_label(role)))
        .collect()
}

fn internal(error: impl std::fmt::Display) -> WebError {
    WebError::Internal(error.to_string())
}

async fn people_page(
    state: &AppState,
    staff: &SignedIn,
    invite: InviteView,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let accounts = state.identity().staff().await.map_err(internal)?;
    let people: Vec<PersonView> = accounts
        .into_iter()
        .map(|account| PersonView {
            id: account.id.to_string(),
            is_self: account.id == staff.session.account.id,
            roles: role_choices(&account.roles),
            office_roles: office_role_views(state, &account.office_roles),
            name: account.display_name,
            email: account.email,
            second_factor: account.second_factor_enrolled,
            disabled: account.disabled,
        })
        .collect();
    let failed = !invite.errors.is_empty();
    let title = if failed {
        "Fehler: Mitarbeitende"
    } else {
        "Mitarbeitende"
    };
    let mut layout = StaffLayout::signed_in(state, staff, title.to_owned(), "people");
    layout.notice = notice;
    let mut response = render(
        state,
        "staff/people.html",
        &layout,
        view! {
            people => people,
            invite => invite,
            offices => office_choices(state),
            office_roles => office_role_choices(),
        },
    )?;
    if failed {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

/// The overview for staff without an editorial role: who they are and which roles they
/// hold, since the staff portal has no work for them yet.
pub fn own_roles(state: &AppState, staff: &SignedIn) -> Result<Response, WebError> {
    let account = &staff.session.account;
    let grants = Grants {
        roles: account.roles.clone(),
        office_roles: account.office_roles.clone(),
    };
    let layout = StaffLayout::signed_in(state, staff, "Übersicht".to_owned(), "dashboard");
    render(
        state,
        "staff/own_roles.html",
        &layout,
        view! {
            name => &account.display_name,
            roles => grant_labels(state, &grants),
            designs_processes => account.can_design_processes(),
        },
    )
}

/// `GET /staff/people`.
pub async fn list(State(state): State<AppState>, staff: SignedIn) -> Result<Response, WebError> {
    staff.require(Role::Admin)?;
    let invite = InviteView {
        roles: role_choices(&BTreeSet::from([Role::Editor])),
        ..InviteView::default()
    };
    people_page(&state, &staff, invite, None).await
}

fn chosen_roles(pairs: &[(String, String)]) -> BTreeSet<Role> {
    pairs
        .iter()
        .filter(|(name, _)| name == "role")
        .filter_map(|(_, value)| Role::parse(value))
        .collect()
}

/// The roles a form grants: those ticked everywhere, the office roles kept ticked, and the
/// one added with the office and role chosen, if both are. An office that is not
/// published is refused.
fn chosen_grants(state: &AppState, pairs: &[(String, String)]) -> Result<Grants, WebError> {
    let mut grants = Grants::everywhere(chosen_roles(pairs));
    grants.office_roles = pairs
        .iter()
        .filter(|(name, _)| name == "office_role")
        .filter_map(|(_, value)| OfficeRole::parse(value))
        .collect();

    let office = field(pairs, "add_office");
    let role = field(pairs, "add_office_role");
    if !office.is_empty() && !role.is_empty() {
        let known = state.catalog().offices().any(|known| known.key == office);
        let added = OfficeRole::parse(&format!("{role}@{office}"))
            .filter(|_| known)
            .ok_or_else(|| WebError::BadRequest("Unbekanntes Amt oder Rolle.".to_owned()))?;
        grants.office_roles.insert(added);
    }
    Ok(grants)
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(field, _)| field == name)
        .map_or("", |(_, value)| value.trim())
}

/// `POST /staff/people`: invites someone by email. The link in the mail lets them choose a
/// password; they set up their authenticator at the first sign-in.
pub async fn invite(
    State(state): State<AppState>,
    staff: SignedIn,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    staff.require(Role::Admin)?;
    staff.check_form(&state, &headers, field(&pairs, "token"))?;
    let email = field(&pairs, "email").to_owned();
    let name = field(&pairs, "name").to_owned();
    let grants = chosen_grants(&state, &pairs)?;

    let outcome = state
        .identity()
        .invite_staff(
            &email,
            &name,
            &grants,
            staff.session.account.id,
            state.now(),
        )
        .await;
    let invitation = match outcome {
        Ok(invitation) => invitation,
        Err(error) => {
            let (wrong_field, message) = match error {
                IdentityError::InvalidEmail => {
                    ("email", "Bitte eine gültige E-Mail-Adresse angeben.")
                }
                IdentityError::EmailTaken => (
                    "email",
                    "Für diese Adresse gibt es schon ein Konto oder eine offene Einladung.",
                ),
                IdentityError::InvalidDisplayName => ("name", "Bitte einen Namen angeben."),
                IdentityError::NoRoles => ("roles", "Bitte mindestens eine Rolle wählen."),
                other => return Err(internal(other)),
            };
            let view = InviteView {
                email,
                name,
                roles: role_choices(&grants.roles),
                add_office: field(&pairs, "add_office").to_owned(),
                add_office_role: field(&pairs, "add_office_role").to_owned(),
                errors: BTreeMap::from([(wrong_field, message.to_owned())]),
            };
            return people_page(&state, &staff, view, None).await;
        }
    };

    let link = format!(
        "{}/staff/invitation/{}",
        state.config().server.public_url,
        invitation.token
    );
    let city = &state.config().city.name;
    let message = MailMessage {
        to: invitation.email.clone(),
        subject: format!("Einladung in die Redaktion von {city}"),
        text: format!(
            "Guten Tag {name},\n\n{inviter} lädt Sie in das Redaktionssystem von {city} ein.\n\n\
             Über diesen Link legen Sie Ihr Passwort fest:\n{link}\n\n\
             Der Link gilt bis {until} und nur einmal. Bei der ersten Anmeldung richten Sie \
             eine Anmelde-App als zweiten Faktor ein.\n\n\
             Wenn Sie diese Einladung nicht erwartet haben, können Sie die Nachricht löschen.\n",
            inviter = staff.name(),
            until = invitation
                .expires_at
                .with_timezone(&state.time_zone())
                .format("%d.%m.%Y %H:%M"),
        ),
        html: None,
    };
    state
        .outbox()
        .enqueue(&message, state.now())
        .await
        .map_err(internal)?;
    state.wake_mail();

    let invite = InviteView {
        roles: role_choices(&BTreeSet::from([Role::Editor])),
        ..InviteView::default()
    };
    let notice = format!("Die Einladung an {} ist unterwegs.", invitation.email);
    people_page(&state, &staff, invite, Some(notice)).await
}

/// `POST /staff/people/{id}`: changes roles, blocks or unblocks, or resets the
/// authenticator of one account, depending on the button.
pub async fn update(
    State(state): State<AppState>,
    staff: SignedIn,
    Path(id): Path<String>,
    headers: HeaderMap,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    staff.require(Role::Admin)?;
    staff.check_form(&state, &headers, field(&pairs, "token"))?;
    let id: Uuid = id.parse().map_err(|_| WebError::NotFound)?;
    let by = staff.session.account.id;
    let now = state.now();
    let identity = state.identity();

    let outcome = match field(&pairs, "action") {
        "roles" => identity
            .set_roles(id, &chosen_grants(&state, &pairs)?, by, now)
            .await
            .map(|_| "Rollen gespeichert."),
        "block" => identity
            .set_disabled(id, true, by, now)
            .await
            .map(|_| "Konto gesperrt; alle Sitzungen sind beendet."),
        "unblock" => identity
            .set_disabled(id, false, by, now)
            .await
            .map(|_| "Konto entsperrt."),
        "reset-second-factor" => identity.reset_second_factor(id, by, now).await.map(|_| {
            "Zweiter Faktor zurückgesetzt; bei der nächsten Anmeldung wird eine neue App \
             eingerichtet."
        }),
        _ => return Err(WebError::BadRequest("Unbekannte Aktion.".to_owned())),
    };
    let notice = match outcome {
        Ok(notice) => notice.to_owned(),
        Err(IdentityError::AccountNotFound) => return Err(WebError::NotFound),
        Err(IdentityError::NoRoles) => {
            "Nicht gespeichert: mindestens eine Rolle ist nötig.".to_owned()
        }
        Err(IdentityError::LastAdmin) => {
            "Nicht gespeichert: es muss immer mindestens eine Person mit der Rolle Verwaltung \
             geben."
                .to_owned()
        }
        Err(other) => return Err(internal(other)),
    };
    let invite = InviteView {
        roles: role_choices(&BTreeSet::from([Role::Editor])),
        ..InviteView::default()
    };
    people_page(&state, &staff, invite, Some(notice)).await
}

#[derive(Serialize)]
struct EventView {
    at: String,
    kind: String,
    account: String,
    actor: String,
    detail: String,
}

/// `GET /staff/audit`: the newest security events.
pub async fn audit(State(state): State<AppState>, staff: SignedIn) -> Result<Response, WebError> {
    staff.require(Role::Admin)?;
    let accounts = state.identity().staff().await.map_err(internal)?;
    let names: BTreeMap<Uuid, String> = accounts
        .into_iter()
        .map(|account| (account.id, account.display_name))
        .collect();
    let name_of = |id: Option<Uuid>| {
        id.map_or_else(String::new, |id| {
            names.get(&id).cloned().unwrap_or_else(|| id.to_string())
        })
    };
    let events: Vec<EventView> = state
        .identity()
        .audit_events(500)
        .await
        .map_err(internal)?
        .into_iter()
        .map(|event| EventView {
            at: event
                .at
                .with_timezone(&state.time_zone())
                .format("%d.%m.%Y %H:%M:%S")
                .to_string(),
            kind: event.kind,
            account: name_of(event.account_id),
            actor: name_of(event.actor_id),
            detail: event.detail,
        })
        .collect();
    let layout = StaffLayout::signed_in(&state, &staff, "Sicherheitsprotokoll".to_owned(), "audit");
    render(
        &state,
        "staff/audit.html",
        &layout,
        view! { events => events },
    )
}
