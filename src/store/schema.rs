//! Diesel table definitions shared by both backends, kept in step with `migrations/` by hand;
//! `tests/api/migrations.rs` (schema_rs_matches_the_tables_the_migrations_build) compares every
//! table, column, type and nullability with what each backend's migrations build.

diesel::table! {
    open_purchases (purchase_key) {
        purchase_key -> Text,
        dispute_id -> Text,
    }
}

diesel::table! {
    regions (code) {
        code -> Text,
        parent_code -> Nullable<Text>,
        level -> BigInt,
        name_zh -> Text,
        name_en -> Text,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    reference_revision (id) {
        id -> BigInt,
        revision -> BigInt,
    }
}

diesel::table! {
    industries (code) {
        code -> Text,
        name_zh -> Text,
        name_en -> Text,
        authority_zh -> Text,
        authority_en -> Text,
        is_market_regulated -> Bool,
    }
}

diesel::table! {
    associations (id) {
        id -> Text,
        name -> Text,
        region_code -> Text,
        industry_code -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    businesses (id) {
        id -> Text,
        uscc -> Text,
        name -> Text,
        industry_code -> Text,
        region_code -> Text,
        address -> Text,
        contact_name -> Text,
        contact_phone -> Text,
        association_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        role -> Text,
        display_name -> Text,
        email -> Nullable<Text>,
        phone_ciphertext -> Nullable<Text>,
        phone_lookup -> Nullable<Text>,
        phone_masked -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        language -> Text,
        business_id -> Nullable<Text>,
        staff_role -> Nullable<Text>,
        region_code -> Nullable<Text>,
        association_id -> Nullable<Text>,
        is_active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> Text,
        account_key -> Text,
        client_ip -> Text,
        succeeded -> Bool,
        attempted_at -> Timestamp,
    }
}

diesel::table! {
    odr_units (id) {
        id -> Text,
        business_id -> Text,
        status -> Text,
        commitment_version -> Text,
        commitment_accepted_at -> Timestamp,
        has_handling_place -> Bool,
        has_staff -> Bool,
        has_computer -> Bool,
        has_dedicated_phone -> Bool,
        has_written_procedure -> Bool,
        applied_by -> Text,
        applied_at -> Timestamp,
        status_changed_at -> Timestamp,
        activated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    unit_status_changes (id) {
        id -> Text,
        unit_id -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor_id -> Text,
        actor_role -> Text,
        reason -> Text,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    unit_commitments (unit_id, kind) {
        unit_id -> Text,
        kind -> Text,
        return_days -> Nullable<BigInt>,
        conditions -> Nullable<Text>,
        valid_from -> Date,
        valid_to -> Nullable<Date>,
    }
}

diesel::table! {
    jobs (id) {
        id -> Text,
        kind -> Text,
        payload -> Text,
        dedupe_key -> Nullable<Text>,
        state -> Text,
        attempts -> BigInt,
        max_attempts -> BigInt,
        run_at -> Timestamp,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        give_up_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        id -> Text,
        at -> Timestamp,
        actor_id -> Nullable<Text>,
        actor_role -> Text,
        action -> Text,
        object_type -> Text,
        object_id -> Text,
        region_code -> Nullable<Text>,
        details -> Text,
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
        chain_no -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_head (id) {
        id -> BigInt,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    unit_warnings (id) {
        id -> Text,
        unit_id -> Text,
        reason -> Text,
        actor_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reports (id) {
        id -> Text,
        region_code -> Text,
        kind -> Text,
        period_from -> Date,
        period_to -> Date,
        tables -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    publications (id) {
        id -> Text,
        kind -> Text,
        region_code -> Text,
        dispute_id -> Nullable<Text>,
        title -> Text,
        body -> Text,
        status -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    alerts (id) {
        id -> Text,
        kind -> Text,
        unit_id -> Text,
        region_code -> Text,
        summary -> Text,
        dispute_ids -> Text,
        dedupe_key -> Text,
        status -> Text,
        created_at -> Timestamp,
        acknowledged_at -> Nullable<Timestamp>,
        acknowledged_by -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        closed_by -> Nullable<Text>,
        note -> Nullable<Text>,
        summary_en -> Nullable<Text>,
    }
}

diesel::table! {
    maintenance_tasks (name) {
        name -> Text,
        requested_at -> Timestamp,
    }
}

diesel::table! {
    metric_daily (day, unit_id) {
        day -> Date,
        unit_id -> Text,
        region_code -> Text,
        industry_code -> Text,
        association_id -> Nullable<Text>,
        filed -> BigInt,
        first_contact_due -> BigInt,
        first_contact_on_time -> BigInt,
        concluded -> BigInt,
        concluded_on_time -> BigInt,
        settled -> BigInt,
        escalated -> BigInt,
        withdrawn -> BigInt,
        rated -> BigInt,
        rating_sum -> BigInt,
        rated_high -> BigInt,
        cycle_days_sum -> BigInt,
        recovered_fen -> BigInt,
        case_filed -> BigInt,
        handled -> BigInt,
        overdue_began -> BigInt,
        overdue_ended -> BigInt,
    }
}

diesel::table! {
    metric_monthly (month, unit_id) {
        month -> Date,
        unit_id -> Text,
        region_code -> Text,
        industry_code -> Text,
        association_id -> Nullable<Text>,
        filed -> BigInt,
        first_contact_due -> BigInt,
        first_contact_on_time -> BigInt,
        concluded -> BigInt,
        concluded_on_time -> BigInt,
        settled -> BigInt,
        escalated -> BigInt,
        withdrawn -> BigInt,
        rated -> BigInt,
        rating_sum -> BigInt,
        rated_high -> BigInt,
        cycle_days_sum -> BigInt,
        recovered_fen -> BigInt,
        case_filed -> BigInt,
        handled -> BigInt,
        overdue_began -> BigInt,
        overdue_ended -> BigInt,
    }
}

diesel::table! {
    metric_region_daily (day, region_code, industry_code, association_id) {
        day -> Date,
        region_code -> Text,
        industry_code -> Text,
        association_id -> Text,
        filed -> BigInt,
        first_contact_due -> BigInt,
        first_contact_on_time -> BigInt,
        concluded -> BigInt,
        concluded_on_time -> BigInt,
        settled -> BigInt,
        escalated -> BigInt,
        withdrawn -> BigInt,
        rated -> BigInt,
        rating_sum -> BigInt,
        rated_high -> BigInt,
        cycle_days_sum -> BigInt,
        recovered_fen -> BigInt,
        case_filed -> BigInt,
        handled -> BigInt,
        overdue_began -> BigInt,
        overdue_ended -> BigInt,
    }
}

diesel::table! {
    metric_region_monthly (month, region_code, industry_code, association_id) {
        month -> Date,
        region_code -> Text,
        industry_code -> Text,
        association_id -> Text,
        filed -> BigInt,
        first_contact_due -> BigInt,
        first_contact_on_time -> BigInt,
        concluded -> BigInt,
        concluded_on_time -> BigInt,
        settled -> BigInt,
        escalated -> BigInt,
        withdrawn -> BigInt,
        rated -> BigInt,
        rating_sum -> BigInt,
        rated_high -> BigInt,
        cycle_days_sum -> BigInt,
        recovered_fen -> BigInt,
        case_filed -> BigInt,
        handled -> BigInt,
        overdue_began -> BigInt,
        overdue_ended -> BigInt,
    }
}

diesel::table! {
    calendar_years (jurisdiction, year) {
        jurisdiction -> Text,
        year -> BigInt,
        notice -> Text,
        body -> Text,
        imported_at -> Timestamp,
        imported_by -> Nullable<Text>,
    }
}

diesel::table! {
    deadline_policies (version) {
        version -> Text,
        region_code -> Nullable<Text>,
        industry_code -> Nullable<Text>,
        effective_from -> Date,
        body -> Text,
        note -> Text,
        created_at -> Timestamp,
        created_by -> Nullable<Text>,
    }
}

diesel::table! {
    disputes (id) {
        id -> Text,
        case_number -> Text,
        consumer_id -> Text,
        unit_id -> Text,
        business_id -> Text,
        region_code -> Text,
        industry_code -> Text,
        policy -> Text,
        status -> Text,
        paused_from -> Nullable<Text>,
        paused_at -> Nullable<Timestamp>,
        paused_working_days -> BigInt,
        pending_extension_party -> Nullable<Text>,
        pending_extension_days -> Nullable<BigInt>,
        pending_pause_party -> Nullable<Text>,
        extension_days -> BigInt,
        extension_used -> Bool,
        filed_at -> Timestamp,
        first_contacted_at -> Nullable<Timestamp>,
        first_contact_due_at -> Timestamp,
        settlement_due_at -> Timestamp,
        due_provisional -> Bool,
        fulfilled_at -> Nullable<Timestamp>,
        concluded_at -> Nullable<Timestamp>,
        rating -> Nullable<BigInt>,
        rating_comment -> Nullable<Text>,
        rated_at -> Nullable<Timestamp>,
        version -> BigInt,
        updated_at -> Timestamp,
        first_contact_lapsed_at -> Nullable<Timestamp>,
        anonymised_at -> Nullable<Timestamp>,
        handling_ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    dispute_claims (dispute_id) {
        dispute_id -> Text,
        category -> Text,
        item_kind -> Text,
        item_name -> Text,
        vin -> Nullable<Text>,
        purchase_date -> Date,
        amount_paid_fen -> BigInt,
        amount_claimed_fen -> BigInt,
        remedies -> Text,
        description -> Text,
        contact_consent -> Bool,
    }
}

diesel::table! {
    dispute_events (id) {
        id -> Text,
        dispute_id -> Text,
        kind -> Text,
        actor_id -> Nullable<Text>,
        actor_role -> Text,
        from_status -> Text,
        to_status -> Text,
        detail -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    dispute_messages (id) {
        id -> Text,
        dispute_id -> Text,
        author_id -> Text,
        party -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    offers (id) {
        id -> Text,
        dispute_id -> Text,
        party -> Text,
        author_id -> Text,
        remedy -> Text,
        amount_fen -> BigInt,
        terms -> Text,
        fulfilment_days -> BigInt,
        expires_at -> Timestamp,
        status -> Text,
        response_reason -> Nullable<Text>,
        created_at -> Timestamp,
        responded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    settlements (dispute_id) {
        dispute_id -> Text,
        offer_id -> Text,
        remedy -> Text,
        amount_fen -> BigInt,
        terms -> Text,
        fulfilment_due_at -> Timestamp,
        agreed_at -> Timestamp,
    }
}

diesel::table! {
    evidence (id) {
        id -> Text,
        dispute_id -> Text,
        uploader_id -> Text,
        party -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    escalations (id) {
        id -> Text,
        dispute_id -> Text,
        reason -> Text,
        initiated_by -> Text,
        state -> Text,
        created_at -> Timestamp,
        connector -> Text,
        packet -> Text,
        delivery_attempts -> BigInt,
        last_delivery_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        dead_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        user_id -> Text,
        dispute_id -> Nullable<Text>,
        kind -> Text,
        message -> Text,
        read_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        message_zh -> Nullable<Text>,
        message_en -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (user_id, key) {
        user_id -> Text,
        key -> Text,
        request_hash -> Text,
        status_code -> BigInt,
        response_body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_counters (scope) {
        scope -> Text,
        value -> BigInt,
    }
}

diesel::table! {
    escalation_updates (id) {
        id -> Text,
        escalation_id -> Text,
        status -> Text,
        note -> Nullable<Text>,
        actor_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sent_reminders (key) {
        key -> Text,
        sent_at -> Timestamp,
    }
}

diesel::joinable!(associations -> regions (region_code));
diesel::joinable!(businesses -> industries (industry_code));
diesel::joinable!(businesses -> regions (region_code));
diesel::joinable!(businesses -> associations (association_id));
diesel::joinable!(odr_units -> businesses (business_id));
diesel::joinable!(unit_status_changes -> odr_units (unit_id));
diesel::joinable!(unit_commitments -> odr_units (unit_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(disputes -> businesses (business_id));
diesel::joinable!(disputes -> odr_units (unit_id));
diesel::joinable!(disputes -> users (consumer_id));
diesel::joinable!(dispute_claims -> disputes (dispute_id));
diesel::joinable!(open_purchases -> disputes (dispute_id));
diesel::joinable!(dispute_events -> disputes (dispute_id));
diesel::joinable!(dispute_messages -> disputes (dispute_id));
diesel::joinable!(offers -> disputes (dispute_id));
diesel::joinable!(evidence -> disputes (dispute_id));
diesel::joinable!(settlements -> disputes (dispute_id));
diesel::joinable!(escalations -> disputes (dispute_id));
diesel::joinable!(unit_warnings -> odr_units (unit_id));
diesel::joinable!(escalation_updates -> escalations (escalation_id));

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        business_id -> Text,
        url -> Text,
        events -> Text,
        description -> Text,
        secret -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        disabled_at -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        retry_at -> Nullable<Timestamp>,
        leased_by -> Nullable<Text>,
        leased_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        endpoint_id -> Text,
        event_id -> Text,
        event_type -> Text,
        dispute_id -> Nullable<Text>,
        payload -> Text,
        status -> Text,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        last_attempt_at -> Nullable<Timestamp>,
        last_status_code -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Text,
        delivery_id -> Text,
        attempted_at -> Timestamp,
        status_code -> Nullable<BigInt>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
    }
}

diesel::table! {
    reply_templates (id) {
        id -> Text,
        region_code -> Text,
        category -> Nullable<Text>,
        title -> Text,
        body -> Text,
        reviewed_at -> Nullable<Timestamp>,
        reviewed_by -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    followed_cases (dispute_id) {
        dispute_id -> Text,
        officer_id -> Text,
        reason -> Text,
        note -> Nullable<Text>,
        assigned_by -> Text,
        assigned_at -> Timestamp,
    }
}

diesel::table! {
    return_visits (id) {
        id -> Text,
        dispute_id -> Text,
        seq -> BigInt,
        officer_id -> Text,
        visited_on -> Date,
        channel -> Text,
        consumer_said -> Text,
        satisfaction -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sms_messages (id) {
        id -> Text,
        user_id -> Text,
        dispute_id -> Nullable<Text>,
        event -> Text,
        phone_ciphertext -> Nullable<Text>,
        phone_lookup -> Text,
        phone_masked -> Text,
        template_code -> Text,
        params -> Text,
        body -> Text,
        status -> Text,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        provider_id -> Nullable<Text>,
        leased_by -> Nullable<Text>,
        leased_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    sms_opt_outs (user_id) {
        user_id -> Text,
        opted_out_at -> Timestamp,
    }
}

diesel::table! {
    filing_follow_ups (dispute_id) {
        dispute_id -> Text,
        unit_id -> Text,
        consumer_id -> Text,
        filed_at -> Timestamp,
        done_at -> Timestamp,
    }
}

diesel::table! {
    documents (code) {
        code -> Text,
        dispute_id -> Text,
        kind -> Text,
        audience -> Text,
        lang -> Text,
        sha256 -> Text,
        issued_at -> Timestamp,
    }
}

diesel::table! {
    mediators (user_id) {
        user_id -> Text,
        kind -> Text,
        organisation -> Text,
        enrolled_by -> Text,
        enrolled_at -> Timestamp,
    }
}

diesel::table! {
    mediation_requests (dispute_id, party) {
        dispute_id -> Text,
        party -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
    }
}

diesel::table! {
    mediations (id) {
        id -> Text,
        dispute_id -> Text,
        escalation_id -> Text,
        mediator_id -> Text,
        organisation -> Text,
        region_code -> Text,
        origin -> Text,
        state -> Text,
        note -> Nullable<Text>,
        referred_by -> Text,
        referred_at -> Timestamp,
        due_at -> Timestamp,
        concluded_at -> Nullable<Timestamp>,
        failure_reason -> Nullable<Text>,
        remedy -> Nullable<Text>,
        amount_fen -> Nullable<BigInt>,
        terms -> Nullable<Text>,
        fulfilment_due_at -> Nullable<Timestamp>,
        fulfilled_at -> Nullable<Timestamp>,
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mediation_sessions (id) {
        id -> Text,
        mediation_id -> Text,
        seq -> BigInt,
        mode -> Text,
        place -> Text,
        starts_at -> Timestamp,
        scheduled_by -> Text,
        scheduled_at -> Timestamp,
        outcome -> Nullable<Text>,
        record -> Nullable<Text>,
        recorded_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(mediators -> users (user_id));
diesel::joinable!(mediations -> disputes (dispute_id));
diesel::joinable!(mediation_sessions -> mediations (mediation_id));

diesel::joinable!(documents -> disputes (dispute_id));

diesel::joinable!(filing_follow_ups -> disputes (dispute_id));

diesel::joinable!(sms_messages -> users (user_id));
diesel::joinable!(sms_opt_outs -> users (user_id));

diesel::joinable!(followed_cases -> disputes (dispute_id));
diesel::joinable!(return_visits -> disputes (dispute_id));

diesel::allow_tables_to_appear_in_same_query!(
    mediators,
    mediation_requests,
    mediations,
    mediation_sessions,
    documents,
    filing_follow_ups,
    sms_messages,
    sms_opt_outs,
    followed_cases,
    return_visits,
    reply_templates,
    webhook_endpoints,
    webhook_deliveries,
    webhook_attempts,
    open_purchases,
    reference_revision,
    regions,
    industries,
    associations,
    businesses,
    users,
    refresh_tokens,
    login_attempts,
    odr_units,
    unit_status_changes,
    unit_commitments,
    jobs,
    audit_log,
    audit_head,
    metric_daily,
    metric_monthly,
    metric_region_daily,
    metric_region_monthly,
    alerts,
    unit_warnings,
    publications,
    reports,
    calendar_years,
    deadline_policies,
    sent_reminders,
    escalation_updates,
    disputes,
    dispute_claims,
    dispute_events,
    dispute_messages,
    offers,
    settlements,
    evidence,
    escalations,
    notifications,
    idempotency_keys,
    case_counters,
);
