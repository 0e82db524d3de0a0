"""SAML sign-in: IdP metadata per organization and a replay cache of assertion ids

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sso_config", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("protocol", sa.String(length=8), server_default="oidc", nullable=False)
        )
        batch_op.add_column(sa.Column("saml_metadata", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("saml_metadata_url", sa.String(length=1024), nullable=True))
        batch_op.add_column(
            sa.Column("idp_initiated", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("idp_cert_expires_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.alter_column("client_id", existing_type=sa.String(length=256), nullable=True)
        batch_op.alter_column("client_secret_encrypted", existing_type=sa.Text(), nullable=True)
        batch_op.create_check_constraint("protocol_known", "protocol IN ('oidc', 'saml')")
        batch_op.create_check_constraint(
            "protocol_complete",
            "(protocol = 'oidc' AND client_id IS NOT NULL AND client_secret_encrypted IS NOT NULL)"
            " OR (protocol = 'saml' AND saml_metadata IS NOT NULL)",
        )
    op.create_table(
        "saml_assertion",
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("assertion_id", sa.String(length=256), nullable=False),
        sa.Column("not_on_or_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_saml_assertion_organization_id_organization"),
        ),
        sa.PrimaryKeyConstraint("organization_id", "assertion_id", name=op.f("pk_saml_assertion")),
    )
    with op.batch_alter_table("saml_assertion", schema=None) as batch_op:
        batch_op.create_index("ix_saml_assertion_expires", ["not_on_or_after"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("saml_assertion", schema=None) as batch_op:
        batch_op.drop_index("ix_saml_assertion_expires")
    op.drop_table("saml_assertion")
    op.execute("DELETE FROM sso_config WHERE protocol = 'saml'")
    with op.batch_alter_table("sso_config", schema=None) as batch_op:
        batch_op.drop_constraint("protocol_complete", type_="check")
        batch_op.drop_constraint("protocol_known", type_="check")
        batch_op.alter_column("client_secret_encrypted", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("client_id", existing_type=sa.String(length=256), nullable=False)
        batch_op.drop_column("idp_cert_expires_at")
        batch_op.drop_column("idp_initiated")
        batch_op.drop_column("saml_metadata_url")
        batch_op.drop_column("saml_metadata")
        batch_op.drop_column("protocol")
