"""Outcomes by gender stored with each consolidation run (runs made before have none)

Revision ID: c782e027fb37
Revises: 8effa277b6b3
Create Date: 2026-12-04 18:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c782e027fb37'
down_revision = '8effa277b6b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consolidation_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gender_outcomes', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('consolidation_run', schema=None) as batch_op:
        batch_op.drop_column('gender_outcomes')
