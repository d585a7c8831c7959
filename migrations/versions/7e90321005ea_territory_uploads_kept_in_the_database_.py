"""territory uploads kept in the database, so every app server and worker reads them

Revision ID: 7e90321005ea
Revises: 6b49d9f5996c
Create Date: 2026-12-02 17:31:31.897164

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7e90321005ea'
down_revision = '6b49d9f5996c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('territory_upload',
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_territory_upload'))
    )


def downgrade():
    op.drop_table('territory_upload')
