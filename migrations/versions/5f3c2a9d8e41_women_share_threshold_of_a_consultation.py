"""Gender monitoring: the women's share of participants under which a consultation's
organisers see a commune flagged (percent, 35 by default)

Revision ID: 5f3c2a9d8e41
Revises: 902b2391696c
Create Date: 2026-12-04 18:50:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5f3c2a9d8e41'
down_revision = '902b2391696c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('women_share_threshold', sa.Integer(), server_default='35',
                                      nullable=False))
        batch_op.create_check_constraint(
            'women_share_threshold', "women_share_threshold BETWEEN 0 AND 100")


def downgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_consultation_women_share_threshold'), type_='check')
        batch_op.drop_column('women_share_threshold')
