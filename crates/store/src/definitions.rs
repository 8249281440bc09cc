//! Service definitions in and out: import (create or update a service by its code, creating
//! its agency if needed) and export (a stored service as the definition that would recreate it).

use diesel::prelude::*;
use sahih_workflow::{AgencyId, DocumentState, RoutingTemplate, ServiceDefinition, StepAction};

use crate::accounts::{SERVICE_COLUMNS, ServiceRow, service_json};
use crate::schema::{agencies, documents, services};
use crate::{Agency, DbConnection, Service, ServiceId, Store, StoreError};

/// What [`Store::upsert_service`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceChange {
    /// A new service (and its agency, if `agency_created`).
    Created {
        /// Whether the agency was created too, from the definition's `agency_name`.
        agency_created: bool,
    },
    /// The service existed and was changed in place.
    Updated,
    /// The service existed exactly as defined.
    Unchanged,
}

impl Service {
    /// The definition that recreates this service, which runs at `agency`: `agency_name` is
    /// the agency's stored name.
    pub fn to_definition(&self, agency: &Agency) -> ServiceDefinition {
        ServiceDefinition {
            code: self.code.clone(),
            agency: agency.code.clone(),
            agency_name: Some(agency.name.clone()),
            name: self.name.clone(),
            name_en: self.name_en.clone(),
            description: self.description.clone(),
            description_en: self.description_en.clone(),
            numbering: self.numbering.clone(),
            form: self.form.clone(),
            steps: self.template.steps.clone(),
        }
    }
}

/// The steps as documents in progress see them: their count, order, names and actions. A
/// document's state holds the index of its step, so this must not change under it.
fn layout(template: &RoutingTemplate) -> Vec<(&str, StepAction)> {
    template
        .steps
        .iter()
        .map(|s| (s.name.as_str(), s.action))
        .collect()
}

/// How many documents of service `id` are not yet signed, rejected or withdrawn.
fn open_documents(c: &mut DbConnection, id: ServiceId) -> Result<i64, StoreError> {
    let closed = [
        DocumentState::Signed,
        DocumentState::Rejected,
        DocumentState::Withdrawn,
    ]
    .map(|s| s.as_code());
    Ok(documents::table
        .filter(documents::service_id.eq(id.0))
        .filter(documents::state.ne_all(closed))
        .count()
        .get_result::<i64>(c)?)
}

/// The agency with `code`, created with `name` when missing and a name is given.
fn agency_for(
    c: &mut DbConnection,
    code: &str,
    name: Option<&str>,
) -> Result<(AgencyId, bool), StoreError> {
    let found = agencies::table
        .filter(agencies::code.eq(code))
        .select(agencies::id)
        .first::<i64>(c)
        .optional()?;
    match (found, name) {
        (Some(id), _) => Ok((AgencyId(id), false)),
        (None, Some(name)) => {
            let id = diesel::insert_into(agencies::table)
                .values((agencies::code.eq(code), agencies::name.eq(name)))
                .returning(agencies::id)
                .get_result::<i64>(c)?;
            Ok((AgencyId(id), true))
        }
        (None, None) => Err(StoreError::InvalidService(format!(
            "agency: no agency {code:?} yet: give agency_name to create it"
        ))),
    }
}

/// Creates or updates one service inside the caller's transaction.
fn upsert(
    c: &mut DbConnection,
    def: &ServiceDefinition,
    template: RoutingTemplate,
) -> Result<(ServiceId, ServiceChange), StoreError> {
    let (agency_id, agency_created) = agency_for(c, &def.agency, def.agency_name.as_deref())
        .map_err(|e| match e {
            StoreError::InvalidService(m) => {
                StoreError::InvalidService(format!("{}: {m}", def.code))
            }
            e => e,
        })?;
    let wanted = Service {
        id: ServiceId(0),
        agency_id,
        code: def.code.clone(),
        name: def.name.clone(),
        name_en: def.name_en.clone(),
        description: def.description.clone(),
        description_en: def.description_en.clone(),
        form: def.form.clone(),
        template,
        numbering: def.numbering.clone(),
    };
    let (form, template_json, numbering) = service_json(&wanted)?;
    let existing = services::table
        .filter(services::code.eq(&def.code))
        .select(SERVICE_COLUMNS)
        .first::<ServiceRow>(c)
        .optional()?
        .map(Service::try_from)
        .transpose()?;
    let Some(old) = existing else {
        let id = diesel::insert_into(services::table)
            .values((
                services::agency_id.eq(agency_id.0),
                services::code.eq(&def.code),
                services::name.eq(&def.name),
                services::name_en.eq(&def.name_en),
                services::description.eq(&def.description),
                services::description_en.eq(&def.description_en),
                services::form_json.eq(&form),
                services::template_json.eq(&template_json),
                services::numbering_json.eq(&numbering),
            ))
            .returning(services::id)
            .get_result::<i64>(c)?;
        return Ok((ServiceId(id), ServiceChange::Created { agency_created }));
    };
    let same = Service {
        id: old.id,
        ..wanted
    };
    if same == old {
        return Ok((old.id, ServiceChange::Unchanged));
    }
    let moved = old.agency_id != agency_id || layout(&old.template) != layout(&same.template);
    if moved {
        let open = open_documents(c, old.id)?;
        if open > 0 {
            return Err(StoreError::ServiceInUse {
                code: def.code.clone(),
                open,
            });
        }
    }
    diesel::update(services::table.find(old.id.0))
        .set((
            services::agency_id.eq(agency_id.0),
            services::name.eq(&def.name),
            services::name_en.eq(&def.name_en),
            services::description.eq(&def.description),
            services::description_en.eq(&def.description_en),
            services::form_json.eq(&form),
            services::template_json.eq(&template_json),
            services::numbering_json.eq(&numbering),
        ))
        .execute(c)?;
    Ok((old.id, ServiceChange::Updated))
}

impl Store {
    /// Imports a service definition in ONE transaction: creates the agency when it does not
    /// exist (named by `agency_name`), then creates the service, or updates the service with
    /// the same code in place (its id, and so its documents, stay). The agency's name of an
    /// existing agency is not changed.
    ///
    /// Documents in progress hold the index of the step they wait at, so while a service has
    /// open documents (not signed, rejected or withdrawn) an update may change the form, the
    /// numbering, the names, and each step's assignees, mode, condition, deadline and cc, but
    /// not the number, order, names or actions of the steps, nor the agency.
    ///
    /// Errors: [`StoreError::InvalidService`] (`E_SERVICE_DEFINITION`) for a definition that
    /// fails [`ServiceDefinition::check`] or names a missing agency without `agency_name`;
    /// [`StoreError::ServiceInUse`] (`E_SERVICE_IN_USE`) for an update of the steps refused
    /// as above; [`StoreError::Db`].
    pub fn upsert_service(
        &self,
        def: &ServiceDefinition,
    ) -> Result<(ServiceId, ServiceChange), StoreError> {
        let mut done = self.upsert_services(std::slice::from_ref(def))?;
        done.pop()
            .ok_or_else(|| StoreError::Corrupt("no service imported".into()))
    }

    /// Imports several definitions in order, in ONE transaction: all of them, or, when one is
    /// refused, none (see [`Store::upsert_service`] for each). Returns what happened to each.
    ///
    /// Errors: those of [`Store::upsert_service`], for the first definition refused; its
    /// message names the service's code.
    pub fn upsert_services(
        &self,
        defs: &[ServiceDefinition],
    ) -> Result<Vec<(ServiceId, ServiceChange)>, StoreError> {
        let checked = defs
            .iter()
            .map(|def| {
                def.check().map_err(|problems| {
                    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
                    StoreError::InvalidService(format!("{}: {}", def.code, lines.join("; ")))
                })?;
                let template = def
                    .template()
                    .map_err(|e| StoreError::InvalidService(format!("{}: {e}", def.code)))?;
                Ok((def, template))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let mut conn = self.conn()?;
        conn.transaction(|c| {
            checked
                .into_iter()
                .map(|(def, template)| upsert(c, def, template))
                .collect()
        })
    }

    /// The definition of the service with `code` (see [`Service::to_definition`]), if any.
    pub fn service_definition(&self, code: &str) -> Result<Option<ServiceDefinition>, StoreError> {
        Ok(self.service_definitions(Some(code))?.into_iter().next())
    }

    /// The definitions of every service (`code` `None`) or of the one with `code`, by code (byte
    /// order, on either backend: `dialect::sort_by_text`).
    pub fn service_definitions(
        &self,
        code: Option<&str>,
    ) -> Result<Vec<ServiceDefinition>, StoreError> {
        let mut conn = self.conn()?;
        let mut query = services::table
            .inner_join(agencies::table)
            .select((
                SERVICE_COLUMNS,
                (agencies::id, agencies::code, agencies::name),
            ))
            .into_boxed();
        if let Some(code) = code {
            query = query.filter(services::code.eq(code));
        }
        let mut definitions = query
            .load::<(ServiceRow, (i64, String, String))>(&mut *conn)?
            .into_iter()
            .map(|(row, (id, code, name))| {
                let agency = Agency {
                    id: AgencyId(id),
                    code,
                    name,
                };
                Ok(Service::try_from(row)?.to_definition(&agency))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        crate::dialect::sort_by_text(&mut definitions, |d| &d.code);
        Ok(definitions)
    }

    /// The agency with `code`, if any.
    pub fn agency_by_code(&self, code: &str) -> Result<Option<Agency>, StoreError> {
        let mut conn = self.conn()?;
        let row = agencies::table
            .filter(agencies::code.eq(code))
            .select((agencies::id, agencies::code, agencies::name))
            .first::<(i64, String, String)>(&mut *conn)
            .optional()?;
        Ok(row.map(|(id, code, name)| Agency {
            id: AgencyId(id),
            code,
            name,
        }))
    }
}
