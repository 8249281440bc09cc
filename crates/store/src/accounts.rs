//! Agencies, users, sessions and services.

use diesel::prelude::*;
use sahih_workflow::{AgencyId, Role, UserId};

use crate::dialect::is_unique_violation;
use crate::schema::{agencies, services, sessions, users};
use crate::{Agency, NewUser, Service, ServiceId, Session, Store, StoreError, User, now};

type UserRow = (
    i64,
    String,
    String,
    Option<String>,
    String,
    Option<i64>,
    Option<String>,
);

const USER_COLUMNS: (
    users::id,
    users::login,
    users::name,
    users::email,
    users::role,
    users::agency_id,
    users::position,
) = (
    users::id,
    users::login,
    users::name,
    users::email,
    users::role,
    users::agency_id,
    users::position,
);

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<User, StoreError> {
        Ok(User {
            id: UserId(r.0),
            login: r.1,
            name: r.2,
            email: r.3,
            role: Role::parse(&r.4)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown role {:?}", r.4)))?,
            agency_id: r.5.map(AgencyId),
            position: r.6,
        })
    }
}

pub(crate) type ServiceRow = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

impl TryFrom<ServiceRow> for Service {
    type Error = StoreError;
    fn try_from(r: ServiceRow) -> Result<Service, StoreError> {
        let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("service {}: {e}", r.2));
        Ok(Service {
            id: ServiceId(r.0),
            agency_id: AgencyId(r.1),
            form: serde_json::from_str(&r.6).map_err(corrupt)?,
            template: serde_json::from_str(&r.7).map_err(corrupt)?,
            numbering: r
                .9
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(corrupt)?,
            code: r.2,
            name: r.3,
            description: r.4,
            description_en: r.5,
            name_en: r.8,
        })
    }
}

pub(crate) const SERVICE_COLUMNS: (
    services::id,
    services::agency_id,
    services::code,
    services::name,
    services::description,
    services::description_en,
    services::form_json,
    services::template_json,
    services::name_en,
    services::numbering_json,
) = (
    services::id,
    services::agency_id,
    services::code,
    services::name,
    services::description,
    services::description_en,
    services::form_json,
    services::template_json,
    services::name_en,
    services::numbering_json,
);

/// The JSON columns of a service: its form, template and numbering.
pub(crate) fn service_json(
    service: &Service,
) -> Result<(String, String, Option<String>), StoreError> {
    let json = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    Ok((
        serde_json::to_string(&service.form).map_err(json)?,
        serde_json::to_string(&service.template).map_err(json)?,
        service
            .numbering
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(json)?,
    ))
}

impl Store {
    /// Returns the agency with `code`, creating it with `name` if missing.
    pub fn ensure_agency(&self, code: &str, name: &str) -> Result<AgencyId, StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let found = agencies::table
                .filter(agencies::code.eq(code))
                .select(agencies::id)
                .first::<i64>(c)
                .optional()?;
            let id = match found {
                Some(id) => id,
                None => diesel::insert_into(agencies::table)
                    .values((agencies::code.eq(code), agencies::name.eq(name)))
                    .returning(agencies::id)
                    .get_result::<i64>(c)?,
            };
            Ok(AgencyId(id))
        })
    }

    /// The agency `id`, if it exists.
    pub fn agency(&self, id: AgencyId) -> Result<Option<Agency>, StoreError> {
        let mut conn = self.conn()?;
        let row = agencies::table
            .find(id.0)
            .select((agencies::id, agencies::code, agencies::name))
            .first::<(i64, String, String)>(&mut *conn)
            .optional()?;
        Ok(row.map(|(id, code, name)| Agency {
            id: AgencyId(id),
            code,
            name,
        }))
    }

    /// Creates a user.
    ///
    /// Errors: [`StoreError::LoginTaken`] if the login exists.
    pub fn create_user(&self, user: &NewUser) -> Result<UserId, StoreError> {
        let mut conn = self.conn()?;
        let result = conn.transaction(|c| {
            diesel::insert_into(users::table)
                .values((
                    users::login.eq(&user.login),
                    users::name.eq(&user.name),
                    users::email.eq(&user.email),
                    users::password_hash.eq(&user.password_hash),
                    users::role.eq(user.role.as_str()),
                    users::agency_id.eq(user.agency_id.map(|a| a.0)),
                    users::position.eq(&user.position),
                    users::cert_pem.eq(&user.cert_pem),
                    users::key_pem.eq(&user.key_pem),
                    users::created_at.eq(now()),
                ))
                .returning(users::id)
                .get_result::<i64>(c)
        });
        match result {
            Ok(id) => Ok(UserId(id)),
            Err(e) if is_unique_violation(&e) => Err(StoreError::LoginTaken),
            Err(e) => Err(e.into()),
        }
    }

    /// The user with `login` and their password hash (PHC string), if any.
    pub fn user_by_login(&self, login: &str) -> Result<Option<(User, String)>, StoreError> {
        let mut conn = self.conn()?;
        let row = users::table
            .filter(users::login.eq(login))
            .select((USER_COLUMNS, users::password_hash))
            .first::<(UserRow, String)>(&mut *conn)
            .optional()?;
        row.map(|(u, hash)| Ok((User::try_from(u)?, hash)))
            .transpose()
    }

    /// The user `id`, if any.
    pub fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        let mut conn = self.conn()?;
        let row = users::table
            .find(id.0)
            .select(USER_COLUMNS)
            .first::<UserRow>(&mut *conn)
            .optional()?;
        row.map(User::try_from).transpose()
    }

    /// A signing official's certificate and encrypted key (both PEM), if they have them.
    pub fn officer_credentials(&self, id: UserId) -> Result<Option<(String, String)>, StoreError> {
        let mut conn = self.conn()?;
        let row = users::table
            .find(id.0)
            .select((users::cert_pem, users::key_pem))
            .first::<(Option<String>, Option<String>)>(&mut *conn)
            .optional()?;
        Ok(row.and_then(|(c, k)| c.zip(k)))
    }

    /// Stores a new session under the SHA-256 of its token (the token itself is never stored).
    pub fn create_session(
        &self,
        token_hash: &str,
        user: Option<UserId>,
        csrf_token: &str,
        lang: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            diesel::delete(sessions::table.filter(sessions::expires_at.lt(now()))).execute(c)?;
            diesel::insert_into(sessions::table)
                .values((
                    sessions::token_hash.eq(token_hash),
                    sessions::user_id.eq(user.map(|u| u.0)),
                    sessions::csrf_token.eq(csrf_token),
                    sessions::lang.eq(lang),
                    sessions::expires_at.eq(expires_at),
                ))
                .execute(c)
                .map(|_| ())
        })
        .map_err(Into::into)
    }

    /// The unexpired session with this token hash, with its user.
    pub fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        let mut conn = self.conn()?;
        let row = sessions::table
            .find(token_hash)
            .filter(sessions::expires_at.ge(now()))
            .select((sessions::user_id, sessions::csrf_token, sessions::lang))
            .first::<(Option<i64>, String, String)>(&mut *conn)
            .optional()?;
        let Some((user_id, csrf_token, lang)) = row else {
            return Ok(None);
        };
        let user = match user_id {
            Some(id) => users::table
                .find(id)
                .select(USER_COLUMNS)
                .first::<UserRow>(&mut *conn)
                .optional()?
                .map(User::try_from)
                .transpose()?,
            None => None,
        };
        Ok(Some(Session {
            user,
            csrf_token,
            lang,
        }))
    }

    /// Sets a session's interface language.
    pub fn set_session_lang(&self, token_hash: &str, lang: &str) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        diesel::update(sessions::table.find(token_hash))
            .set(sessions::lang.eq(lang))
            .execute(&mut *conn)?;
        Ok(())
    }

    /// Ends a session.
    pub fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        diesel::delete(sessions::table.find(token_hash)).execute(&mut *conn)?;
        Ok(())
    }

    /// Returns the service with `service.code`, creating it if missing (the stored definition
    /// wins over `service`'s when it exists).
    pub fn ensure_service(&self, service: &Service) -> Result<ServiceId, StoreError> {
        let (form, template, numbering) = service_json(service)?;
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            let found = services::table
                .filter(services::code.eq(&service.code))
                .select(services::id)
                .first::<i64>(c)
                .optional()?;
            let id = match found {
                Some(id) => id,
                None => diesel::insert_into(services::table)
                    .values((
                        services::agency_id.eq(service.agency_id.0),
                        services::code.eq(&service.code),
                        services::name.eq(&service.name),
                        services::name_en.eq(&service.name_en),
                        services::description.eq(&service.description),
                        services::description_en.eq(&service.description_en),
                        services::form_json.eq(&form),
                        services::template_json.eq(&template),
                        services::numbering_json.eq(&numbering),
                    ))
                    .returning(services::id)
                    .get_result::<i64>(c)?,
            };
            Ok(ServiceId(id))
        })
    }

    /// All services, by name (byte order, on either backend: `dialect::sort_by_text`),
    /// then by id.
    pub fn services(&self) -> Result<Vec<Service>, StoreError> {
        let mut conn = self.conn()?;
        let mut services = services::table
            .order(services::id)
            .select(SERVICE_COLUMNS)
            .load::<ServiceRow>(&mut *conn)?
            .into_iter()
            .map(Service::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        crate::dialect::sort_by_text(&mut services, |s| &s.name);
        Ok(services)
    }

    /// The service with `code`, if any.
    pub fn service_by_code(&self, code: &str) -> Result<Option<Service>, StoreError> {
        let mut conn = self.conn()?;
        let row = services::table
            .filter(services::code.eq(code))
            .select(SERVICE_COLUMNS)
            .first::<ServiceRow>(&mut *conn)
            .optional()?;
        row.map(Service::try_from).transpose()
    }

    /// The service `id`, if any.
    pub fn service(&self, id: ServiceId) -> Result<Option<Service>, StoreError> {
        let mut conn = self.conn()?;
        let row = services::table
            .find(id.0)
            .select(SERVICE_COLUMNS)
            .first::<ServiceRow>(&mut *conn)
            .optional()?;
        row.map(Service::try_from).transpose()
    }
}
