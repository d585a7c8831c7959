"""Open data: the licence a consultation's organisers choose for the contributions' data
(CC-BY-4.0 by default; CC-BY-SA-4.0, ODbL-1.0 or CC0-1.0)

Revision ID: a7d41c3e9b20
Revises: 5f3c2a9d8e41
Create Date: 2026-12-04 19:55:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d41c3e9b20'
down_revision = '5f3c2a9d8e41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data_licence', sa.String(length=20),
                                      server_default='CC-BY-4.0', nullable=False))
        batch_op.create_check_constraint(
            'data_licence', "data_licence IN ('CC-BY-4.0', 'CC-BY-SA-4.0', 'ODbL-1.0', 'CC0-1.0')")


def downgrade():
    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_consultation_data_licence'), type_='check')
        batch_op.drop_column('data_licence')
