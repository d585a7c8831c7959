"""partial indexes of the listed proposals (random order and counts read the index alone)

Revision ID: ebc12499a967
Revises: 02297b48bb98
Create Date: 2026-11-25 12:11:45.151889

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ebc12499a967'
down_revision = '02297b48bb98'
branch_labels = None
depends_on = None

LISTED_ONLY = "hidden_at IS NULL AND merged_into_id IS NULL"


def upgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_listed', ['consultation_id', 'status', 'id'],
                              unique=False, sqlite_where=sa.text(LISTED_ONLY),
                              postgresql_where=sa.text(LISTED_ONLY))
        batch_op.create_index('ix_proposal_listed_commune',
                              ['consultation_id', 'commune_id', 'status', 'id'], unique=False,
                              sqlite_where=sa.text(LISTED_ONLY),
                              postgresql_where=sa.text(LISTED_ONLY))


def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_listed_commune')
        batch_op.drop_index('ix_proposal_listed')
