"""index for the newest proposals of a commune

Revision ID: 02297b48bb98
Revises: 37f70e12a207
Create Date: 2026-11-25 09:12:54.732785

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '02297b48bb98'
down_revision = '37f70e12a207'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index('ix_proposal_list_commune_newest', ['consultation_id', 'commune_id', 'status', 'created_at', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_list_commune_newest')

