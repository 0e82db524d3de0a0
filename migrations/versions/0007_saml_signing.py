"""SAML: the SP's own key pair, and whether it signs its AuthnRequests and LogoutRequests

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sso_config", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sign_requests", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("sp_key_encrypted", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("sp_certificate", sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            "signing_has_key",
            "NOT sign_requests OR (sp_key_encrypted IS NOT NULL AND sp_certificate IS NOT NULL)",
        )


def downgrade() -> None:
    with op.batch_alter_table("sso_config", schema=None) as batch_op:
        batch_op.drop_constraint("signing_has_key", type_="check")
        batch_op.drop_column("sp_certificate")
        batch_op.drop_column("sp_key_encrypted")
        batch_op.drop_column("sign_requests")
