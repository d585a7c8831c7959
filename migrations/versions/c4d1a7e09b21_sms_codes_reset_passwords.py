"""SMS codes may also reset the password of an account that signs in with its phone number

Revision ID: c4d1a7e09b21
Revises: b7ee6d7eb07f
Create Date: 2026-12-03 15:45:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4d1a7e09b21'
down_revision = 'b7ee6d7eb07f'
branch_labels = None
depends_on = None


def _purposes(values: str) -> None:
    # Batch mode: SQLite changes a CHECK constraint by copying the table.
    with op.batch_alter_table('sms_challenge', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sms_challenge_purpose'), type_='check')
        batch_op.create_check_constraint(op.f('ck_sms_challenge_purpose'),
                                         f"purpose IN ({values})")


def upgrade():
    _purposes("'verify', 'claim', 'reset'")


def downgrade():
    op.execute("DELETE FROM sms_challenge WHERE purpose = 'reset'")
    _purposes("'verify', 'claim'")
