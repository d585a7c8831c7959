"""indexes for the map layer and its Last-Modified

Revision ID: a3608824bbdb
Revises: 1c35607c49a6
Create Date: 2026-11-25 09:01:40.280839

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3608824bbdb'
down_revision = '1c35607c49a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_changed', ['consultation_id', 'updated_at'], unique=False)
        batch_op.create_index('ix_proposal_point', ['consultation_id', 'latitude', 'longitude'], unique=False)



def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_point')
        batch_op.drop_index('ix_proposal_changed')

