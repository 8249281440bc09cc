//! The diesel schema, written to match `migrations/sqlite` and `migrations/postgres` (ids and
//! times are 64-bit; a year is 32-bit).

diesel::table! {
    blobs (sha256) {
        sha256 -> Text,
        data -> Binary,
        size -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    agencies (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        login -> Text,
        name -> Text,
        email -> Nullable<Text>,
        password_hash -> Text,
        role -> Text,
        agency_id -> Nullable<BigInt>,
        position -> Nullable<Text>,
        cert_pem -> Nullable<Text>,
        key_pem -> Nullable<Text>,
        created_at -> BigInt,
        supervisor_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Nullable<BigInt>,
        csrf_token -> Text,
        lang -> Text,
        expires_at -> BigInt,
    }
}

diesel::table! {
    services (id) {
        id -> BigInt,
        agency_id -> BigInt,
        code -> Text,
        name -> Text,
        description -> Text,
        description_en -> Text,
        form_json -> Text,
        template_json -> Text,
        numbering_json -> Nullable<Text>,
        name_en -> Text,
    }
}

diesel::table! {
    documents (id) {
        id -> BigInt,
        public_id -> Text,
        service_id -> BigInt,
        agency_id -> BigInt,
        applicant_id -> BigInt,
        state -> Text,
        form_json -> Text,
        version -> BigInt,
        signed_sha256 -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        verification_code -> Nullable<Text>,
    }
}

diesel::table! {
    attachments (id) {
        id -> BigInt,
        document_id -> BigInt,
        version -> BigInt,
        sha256 -> Text,
        filename -> Text,
        size -> BigInt,
        form_json -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        document_id -> BigInt,
        kind -> Text,
        actor_id -> BigInt,
        comment -> Nullable<Text>,
        from_state -> Text,
        to_state -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    log_leaves (id) {
        id -> BigInt,
        document_id -> Nullable<BigInt>,
        entry -> Binary,
        leaf_index -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    log_tiles (level, idx) {
        level -> BigInt,
        idx -> BigInt,
        data -> Binary,
    }
}

diesel::table! {
    log_state (id) {
        id -> BigInt,
        tree_size -> BigInt,
        checkpoint -> Nullable<Text>,
        verifier_key -> Nullable<Text>,
        salt -> Nullable<Binary>,
        updated_at -> BigInt,
    }
}

diesel::table! {
    approvals (document_id, step, user_id) {
        document_id -> BigInt,
        step -> BigInt,
        user_id -> BigInt,
        at -> BigInt,
    }
}

diesel::table! {
    delegations (id) {
        id -> BigInt,
        delegator_id -> BigInt,
        delegate_id -> BigInt,
        kind -> Text,
        valid_from -> BigInt,
        valid_until -> BigInt,
        created_by -> BigInt,
        created_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    dispositions (id) {
        id -> BigInt,
        document_id -> BigInt,
        from_id -> BigInt,
        to_id -> BigInt,
        instruction -> Text,
        state -> Text,
        note -> Nullable<Text>,
        created_at -> BigInt,
        read_at -> Nullable<BigInt>,
        closed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        user_id -> BigInt,
        document_id -> Nullable<BigInt>,
        kind -> Text,
        params_json -> Text,
        created_at -> BigInt,
        read_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    mail_outbox (id) {
        id -> BigInt,
        to_addr -> Text,
        subject -> Text,
        body -> Text,
        created_at -> BigInt,
        attempts -> BigInt,
        next_attempt_at -> BigInt,
        sent_at -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    number_counters (agency_id, classification, year) {
        agency_id -> BigInt,
        classification -> Text,
        year -> Integer,
        last_seq -> BigInt,
    }
}

diesel::table! {
    document_numbers (document_id) {
        document_id -> BigInt,
        agency_id -> BigInt,
        classification -> Text,
        year -> Integer,
        seq -> BigInt,
        number -> Text,
        allocated_at -> BigInt,
    }
}

diesel::table! {
    escalations (document_id, step, entered_at, escalated_to) {
        document_id -> BigInt,
        step -> BigInt,
        entered_at -> BigInt,
        escalated_to -> BigInt,
        at -> BigInt,
    }
}

diesel::table! {
    archive_timestamps (id) {
        id -> BigInt,
        document_id -> BigInt,
        sha256 -> Text,
        previous_sha256 -> Nullable<Text>,
        tsa_not_after -> Nullable<BigInt>,
        at -> BigInt,
    }
}

diesel::table! {
    api_applications (user_id) {
        user_id -> BigInt,
        agency_id -> BigInt,
        code -> Text,
        name -> Text,
        webhook_url -> Nullable<Text>,
        webhook_secret -> Text,
        webhook_cursor -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    api_keys (id) {
        id -> BigInt,
        key_id -> Text,
        application_id -> BigInt,
        secret_sha256 -> Text,
        scopes -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
        last_used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    api_idempotency (application_id, idempotency_key) {
        application_id -> BigInt,
        idempotency_key -> Text,
        request_sha256 -> Text,
        document_id -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        application_id -> BigInt,
        event_id -> BigInt,
        document_id -> BigInt,
        kind -> Text,
        body -> Text,
        created_at -> BigInt,
        attempts -> BigInt,
        next_attempt_at -> BigInt,
        delivered_at -> Nullable<BigInt>,
        last_status -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    second_factors (user_id) {
        user_id -> BigInt,
        sealed_secret -> Text,
        created_at -> BigInt,
        confirmed_at -> Nullable<BigInt>,
        last_step -> BigInt,
    }
}

diesel::table! {
    unlock_failures (user_id) {
        user_id -> BigInt,
        failures -> BigInt,
        window_start -> BigInt,
        locked_until -> Nullable<BigInt>,
    }
}

diesel::joinable!(users -> agencies (agency_id));
diesel::joinable!(second_factors -> users (user_id));
diesel::joinable!(unlock_failures -> users (user_id));
diesel::joinable!(services -> agencies (agency_id));
diesel::joinable!(documents -> services (service_id));
diesel::joinable!(attachments -> documents (document_id));
diesel::joinable!(events -> documents (document_id));
diesel::joinable!(events -> users (actor_id));
diesel::table! {
    certificates (id) {
        id -> BigInt,
        serial -> Text,
        user_id -> BigInt,
        cert_pem -> Text,
        not_before -> BigInt,
        not_after -> BigInt,
        issued_at -> BigInt,
        issued_by -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        revoked_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    crl_state (id) {
        id -> BigInt,
        crl_number -> BigInt,
    }
}

diesel::joinable!(log_leaves -> documents (document_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(document_numbers -> documents (document_id));
diesel::joinable!(archive_timestamps -> documents (document_id));
diesel::joinable!(api_applications -> agencies (agency_id));
diesel::joinable!(api_keys -> api_applications (application_id));
diesel::joinable!(webhook_deliveries -> api_applications (application_id));
diesel::joinable!(webhook_deliveries -> documents (document_id));

diesel::allow_tables_to_appear_in_same_query!(
    blobs,
    agencies,
    users,
    sessions,
    services,
    documents,
    attachments,
    events,
    log_leaves,
    log_tiles,
    log_state,
    approvals,
    delegations,
    dispositions,
    notifications,
    mail_outbox,
    number_counters,
    document_numbers,
    escalations,
    archive_timestamps,
    api_applications,
    api_keys,
    api_idempotency,
    webhook_deliveries,
    certificates,
    crl_state,
    second_factors,
    unlock_failures
);
