"""members: an active create on PostgreSQL by a function that keeps its statement's plan

Behind a pooler in transaction mode nothing can be prepared, so PostgreSQL parsed and
planned a create's statement of five data-modifying CTEs afresh every time. The function
holds that statement (seat_core.fastpath.at_once.TAKE_SEAT_ALONE, as function_sql wrote it
at this revision); PL/pgSQL keeps its plan for the life of each server connection.
SQLite has nothing to add.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = """\
CREATE OR REPLACE FUNCTION seat_take_alone(
    m_active BOOLEAN, m_created_at TIMESTAMP WITH TIME ZONE, m_display_name VARCHAR(256),
    m_email VARCHAR(320), m_email_key VARCHAR(320), m_external_id VARCHAR(256), m_id
    VARCHAR(36), m_last_sign_in_at TIMESTAMP WITH TIME ZONE, m_name_sort_key VARCHAR(1024),
    m_organization_id INTEGER, m_scim JSON, m_source VARCHAR(8), m_sso_issuer VARCHAR(512),
    m_sso_subject VARCHAR(256), m_updated_at TIMESTAMP WITH TIME ZONE, m_user_name
    VARCHAR(256), m_user_name_key VARCHAR(256), m_version INTEGER, p_actor_id VARCHAR(64),
    p_actor_label VARCHAR(320), p_actor_type VARCHAR(16), p_at TIMESTAMP WITH TIME ZONE,
    p_key VARCHAR(320), p_member_id VARCHAR(36), p_on DATE, p_organization_id INTEGER,
    p_other_key VARCHAR(320), p_subject VARCHAR(320)
)
RETURNS TABLE (
    contract_id INTEGER, seats_used INTEGER, seats_purchased INTEGER, term_index INTEGER,
    thresholds VARCHAR(64)
)
LANGUAGE plpgsql VOLATILE AS $function$
#variable_conflict use_column
BEGIN
RETURN QUERY
    WITH taken AS (UPDATE contract SET seats_used=(contract.seats_used + 1::INTEGER) WHERE
    contract.organization_id = $26::INTEGER AND contract.seats_used <
    contract.seats_purchased AND contract.status = 'active'::VARCHAR AND contract.term_start
    <= coalesce($25::DATE, CAST(timezone(contract.timezone, $22::TIMESTAMP WITH TIME ZONE)
    AS DATE)) AND contract.term_end > coalesce($25::DATE, CAST(timezone(contract.timezone,
    $22::TIMESTAMP WITH TIME ZONE) AS DATE)) AND NOT (EXISTS (SELECT seat.id FROM seat WHERE
    seat.member_id = $24::VARCHAR)) AND NOT (EXISTS (SELECT seat_policy_group.kind FROM
    seat_policy_group WHERE seat_policy_group.organization_id = $26::INTEGER AND
    seat_policy_group.kind = 'licensed'::VARCHAR)) AND (contract.seats_used + 1::INTEGER) *
    100::INTEGER < coalesce((SELECT coalesce((SELECT min(threshold) AS min_1 FROM
    unnest(CAST(string_to_array(alert_settings.thresholds, ','::VARCHAR) AS INTEGER[])) AS
    threshold), 101::INTEGER) AS coalesce_1 FROM alert_settings WHERE
    alert_settings.organization_id = contract.organization_id), 80::INTEGER) *
    contract.seats_purchased RETURNING contract.id AS contract_id, contract.seats_used,
    contract.seats_purchased, contract.term_index, coalesce($25::DATE,
    CAST(timezone(contract.timezone, $22::TIMESTAMP WITH TIME ZONE) AS DATE)) AS "on",
    (SELECT alert_settings.thresholds FROM alert_settings WHERE
    alert_settings.organization_id = contract.organization_id) AS thresholds), joined AS
    (INSERT INTO member (id, organization_id, user_name, user_name_key, name_sort_key,
    external_id, display_name, email, email_key, active, source, scim, version, sso_issuer,
    sso_subject, last_sign_in_at, created_at, updated_at) SELECT $7::VARCHAR AS anon_1,
    $10::INTEGER AS anon_2, $16::VARCHAR AS anon_3, $17::VARCHAR AS anon_4, $9::VARCHAR AS
    anon_5, $6::VARCHAR AS anon_6, $3::VARCHAR AS anon_7, $4::VARCHAR AS anon_8, $5::VARCHAR
    AS anon_9, $1 AS anon_10, $12::VARCHAR AS anon_11, $11::JSON AS anon_12, $18::INTEGER AS
    anon_13, $13::VARCHAR AS anon_14, $14::VARCHAR AS anon_15, $8::TIMESTAMP WITH TIME ZONE
    AS anon_16, $2::TIMESTAMP WITH TIME ZONE AS anon_17, $15::TIMESTAMP WITH TIME ZONE AS
    anon_18 FROM taken RETURNING member.id), held AS (INSERT INTO seat (contract_id,
    member_id, taken_at) SELECT taken.contract_id AS contract_id, $24::VARCHAR AS anon_19,
    $22::TIMESTAMP WITH TIME ZONE AS anon_20 FROM taken RETURNING seat.id), admitted AS
    (UPDATE seat_request SET member_id=$24::VARCHAR, status='admitted'::VARCHAR,
    resolved_at=$22::TIMESTAMP WITH TIME ZONE WHERE seat_request.organization_id =
    $26::INTEGER AND seat_request.status = 'pending'::VARCHAR AND (seat_request.identity_key
    = $23::VARCHAR OR seat_request.identity_key = $27::VARCHAR) AND (EXISTS (SELECT
    taken.contract_id FROM taken)) RETURNING seat_request.id), logged AS (INSERT INTO event
    (organization_id, type, occurred_at, actor_type, actor_id, actor_label, subject, data,
    xact_id) SELECT $26::INTEGER AS anon_21, 'member.created'::VARCHAR AS anon_22,
    $22::TIMESTAMP WITH TIME ZONE AS anon_20, $21::VARCHAR AS anon_23, $19::VARCHAR AS
    anon_24, $20::VARCHAR AS anon_25, $28::VARCHAR AS anon_26,
    json_build_object('member_id'::VARCHAR, $24::VARCHAR, 'active'::VARCHAR, true,
    'source'::VARCHAR, $12::VARCHAR) AS json_build_object_1, CAST(CAST(pg_current_xact_id()
    AS TEXT) AS BIGINT) AS pg_current_xact_id_1 FROM taken UNION ALL SELECT $26::INTEGER AS
    anon_21, 'seat.taken'::VARCHAR AS anon_27, $22::TIMESTAMP WITH TIME ZONE AS anon_20,
    $21::VARCHAR AS anon_28, $19::VARCHAR AS anon_29, $20::VARCHAR AS anon_30, $28::VARCHAR
    AS anon_31, json_build_object('member_id'::VARCHAR, $24::VARCHAR, 'seats_used'::VARCHAR,
    taken.seats_used, 'seats_purchased'::VARCHAR, taken.seats_purchased,
    'term_index'::VARCHAR, taken.term_index, 'on'::VARCHAR, taken."on") AS
    json_build_object_5, CAST(CAST(pg_current_xact_id() AS TEXT) AS BIGINT) AS
    pg_current_xact_id_1 FROM taken RETURNING event.id) SELECT taken.contract_id,
    taken.seats_used, taken.seats_purchased, taken.term_index, taken.thresholds FROM taken;
END
$function$"""


def upgrade() -> None:
    """Create the function on PostgreSQL."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    """Drop it."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION seat_take_alone")
