"""citizens' journey: phases, workshops, proposal details, comments, likes, follows, notifications

Revision ID: 016d1cd07f92
Revises: 33528f55c060
Create Date: 2026-11-25 07:44:13.527995

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '016d1cd07f92'
down_revision = '33528f55c060'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consultation_phase',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.CheckConstraint("kind IN ('diagnosis', 'proposals', 'voting', 'evaluation', 'roadmap', 'implementation')", name=op.f('ck_consultation_phase_kind')),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_consultation_phase_dates_in_order')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_consultation_phase_consultation_id_consultation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_phase')),
    sa.UniqueConstraint('consultation_id', 'kind', name=op.f('uq_consultation_phase_consultation_id_kind'))
    )
    with op.batch_alter_table('consultation_phase', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_phase_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('workshop',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('attendance_by_stakeholder', sa.JSON(), nullable=False),
    sa.Column('attendance_by_gender', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_workshop_consultation_id_consultation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_workshop_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workshop'))
    )
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_workshop_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('workshop_commune',
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_workshop_commune_commune_id_commune'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshop.id'], name=op.f('fk_workshop_commune_workshop_id_workshop'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workshop_id', 'commune_id', name=op.f('pk_workshop_commune'))
    )
    op.create_table('follow',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_follow_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_follow_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow')),
    sa.UniqueConstraint('user_id', 'proposal_id', name=op.f('uq_follow_user_id_proposal_id'))
    )
    with op.batch_alter_table('follow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('comment_like',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_comment_like_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_comment_like_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_like')),
    sa.UniqueConstraint('user_id', 'comment_id', name=op.f('uq_comment_like_user_id_comment_id'))
    )
    with op.batch_alter_table('comment_like', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_like_comment_id'), ['comment_id'], unique=False)

    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('comment', 'status', 'roadmap')", name=op.f('ck_notification_kind')),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_notification_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_notification_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index('ix_notification_inbox', ['user_id', 'read_at', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_proposal_id'), ['proposal_id'], unique=False)

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('stance', sa.String(length=10), nullable=False, server_default='neutral'))
        batch_op.add_column(sa.Column('is_official', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('likes_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hidden_reason', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_comment_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_comment_thread', ['proposal_id', 'parent_id', 'created_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_comment_parent_id_comment'), 'comment', ['parent_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(op.f('ck_comment_stance'), "stance IN ('for', 'against', 'neutral')")
        batch_op.create_check_constraint(op.f('ck_comment_likes_count'), 'likes_count >= 0')

    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vote_limit', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('votes_home_commune_only', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('voting_during_proposals', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('premoderation', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('report_threshold', sa.Integer(), nullable=False, server_default='3'))

    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('estimated_cost_mad', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('beneficiaries', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('sdg_goals', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('organisation', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('author_stakeholder_type', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('origin', sa.String(length=20), nullable=False, server_default='online'))
        batch_op.add_column(sa.Column('workshop_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('show_of_hands', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('search_text', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hidden_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_proposal_author_stakeholder_type'), ['author_stakeholder_type'], unique=False)
        batch_op.create_index('ix_proposal_list_commune', ['consultation_id', 'commune_id', 'status', 'supports_count'], unique=False)
        batch_op.create_index('ix_proposal_list_newest', ['consultation_id', 'status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_proposal_list_supports', ['consultation_id', 'status', 'supports_count', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_workshop_id'), ['workshop_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_proposal_workshop_id_workshop'), 'workshop', ['workshop_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(op.f('ck_proposal_status'), "status IN ('pending', 'published', 'withdrawn', 'rejected')")
        batch_op.create_check_constraint(op.f('ck_proposal_origin'), "origin IN ('online', 'workshop')")
        batch_op.create_check_constraint(op.f('ck_proposal_cost'), 'estimated_cost_mad IS NULL OR estimated_cost_mad >= 0')
        batch_op.create_check_constraint(op.f('ck_proposal_counters'), 'supports_count >= 0 AND comments_count >= 0')



def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_proposal_counters'), type_='check')
        batch_op.drop_constraint(op.f('ck_proposal_cost'), type_='check')
        batch_op.drop_constraint(op.f('ck_proposal_origin'), type_='check')
        batch_op.drop_constraint(op.f('ck_proposal_status'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_proposal_workshop_id_workshop'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_proposal_workshop_id'))
        batch_op.drop_index('ix_proposal_list_supports')
        batch_op.drop_index('ix_proposal_list_newest')
        batch_op.drop_index('ix_proposal_list_commune')
        batch_op.drop_index(batch_op.f('ix_proposal_author_stakeholder_type'))
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('hidden_reason')
        batch_op.drop_column('hidden_at')
        batch_op.drop_column('search_text')
        batch_op.drop_column('show_of_hands')
        batch_op.drop_column('workshop_id')
        batch_op.drop_column('origin')
        batch_op.drop_column('author_stakeholder_type')
        batch_op.drop_column('organisation')
        batch_op.drop_column('sdg_goals')
        batch_op.drop_column('beneficiaries')
        batch_op.drop_column('estimated_cost_mad')

    with op.batch_alter_table('consultation', schema=None) as batch_op:
        batch_op.drop_column('report_threshold')
        batch_op.drop_column('premoderation')
        batch_op.drop_column('voting_during_proposals')
        batch_op.drop_column('votes_home_commune_only')
        batch_op.drop_column('vote_limit')

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_comment_likes_count'), type_='check')
        batch_op.drop_constraint(op.f('ck_comment_stance'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_comment_parent_id_comment'), type_='foreignkey')
        batch_op.drop_index('ix_comment_thread')
        batch_op.drop_index(batch_op.f('ix_comment_parent_id'))
        batch_op.drop_column('hidden_reason')
        batch_op.drop_column('hidden_at')
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('edited_at')
        batch_op.drop_column('likes_count')
        batch_op.drop_column('is_official')
        batch_op.drop_column('stance')
        batch_op.drop_column('parent_id')

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_proposal_id'))
        batch_op.drop_index('ix_notification_inbox')

    op.drop_table('notification')
    with op.batch_alter_table('comment_like', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_like_comment_id'))

    op.drop_table('comment_like')
    with op.batch_alter_table('follow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_proposal_id'))

    op.drop_table('follow')
    op.drop_table('workshop_commune')
    with op.batch_alter_table('workshop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_workshop_consultation_id'))

    op.drop_table('workshop')
    with op.batch_alter_table('consultation_phase', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_phase_consultation_id'))

    op.drop_table('consultation_phase')
