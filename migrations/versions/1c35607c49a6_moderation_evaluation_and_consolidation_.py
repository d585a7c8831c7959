"""moderation, evaluation and consolidation, the roadmap and its tracking

Revision ID: 1c35607c49a6
Revises: 016d1cd07f92
Create Date: 2026-11-25 08:16:43.887249

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1c35607c49a6'
down_revision = '016d1cd07f92'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluation_criterion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title_i18n', sa.JSON(), nullable=False),
    sa.Column('description_i18n', sa.JSON(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('weight >= 0', name=op.f('ck_evaluation_criterion_weight')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_evaluation_criterion_consultation_id_consultation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_criterion')),
    sa.UniqueConstraint('consultation_id', 'code', name=op.f('uq_evaluation_criterion_consultation_id_code'))
    )
    with op.batch_alter_table('evaluation_criterion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_criterion_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=120), nullable=False),
    sa.Column('actor_role', sa.String(length=20), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('consultation_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('previous_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_audit_entry_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_audit_entry_consultation_id_consultation'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry')),
    sa.UniqueConstraint('entry_hash', name=op.f('uq_audit_entry_entry_hash')),
    sa.UniqueConstraint('previous_hash', name=op.f('uq_audit_entry_previous_hash'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_audit_entry_filter', ['consultation_id', 'action', 'created_at'], unique=False)

    op.create_table('consolidation_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=True),
    sa.Column('method_version', sa.String(length=40), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('seed', sa.String(length=80), nullable=False),
    sa.Column('inputs_hash', sa.String(length=64), nullable=False),
    sa.Column('output', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_consolidation_run_consultation_id_consultation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_consolidation_run_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consolidation_run'))
    )
    with op.batch_alter_table('consolidation_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consolidation_run_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('roadmap',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_roadmap_consultation_id_consultation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['consolidation_run.id'], name=op.f('fk_roadmap_run_id_consolidation_run'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadmap')),
    sa.UniqueConstraint('consultation_id', name=op.f('uq_roadmap_consultation_id'))
    )
    op.create_table('eligibility_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("verdict = 'eligible' OR length(reason) > 0", name=op.f('ck_eligibility_decision_reason_given')),
    sa.CheckConstraint("verdict IN ('eligible', 'ineligible', 'unfeasible')", name=op.f('ck_eligibility_decision_verdict')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_eligibility_decision_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_eligibility_decision_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eligibility_decision')),
    sa.UniqueConstraint('proposal_id', name=op.f('uq_eligibility_decision_proposal_id'))
    )
    op.create_table('evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('criterion_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_evaluation_score')),
    sa.ForeignKeyConstraint(['criterion_id'], ['evaluation_criterion.id'], name=op.f('fk_evaluation_criterion_id_evaluation_criterion'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evaluator_id'], ['user_account.id'], name=op.f('fk_evaluation_evaluator_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_evaluation_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation')),
    sa.UniqueConstraint('proposal_id', 'evaluator_id', 'criterion_id', name=op.f('uq_evaluation_proposal_id_evaluator_id_criterion_id'))
    )
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('evaluator_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('evaluator_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user_account.id'], name=op.f('fk_evaluator_assignment_assigned_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['evaluator_id'], ['user_account.id'], name=op.f('fk_evaluator_assignment_evaluator_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_evaluator_assignment_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluator_assignment')),
    sa.UniqueConstraint('proposal_id', 'evaluator_id', name=op.f('uq_evaluator_assignment_proposal_id_evaluator_id'))
    )
    with op.batch_alter_table('evaluator_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluator_assignment_evaluator_id'), ['evaluator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluator_assignment_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('proposal_merge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('source_status', sa.String(length=20), nullable=False),
    sa.Column('moved_votes', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('merged_by_id', sa.Integer(), nullable=True),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_proposal_merge_consultation_id_consultation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['merged_by_id'], ['user_account.id'], name=op.f('fk_proposal_merge_merged_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_id'], ['proposal.id'], name=op.f('fk_proposal_merge_source_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['target_id'], ['proposal.id'], name=op.f('fk_proposal_merge_target_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['undone_by_id'], ['user_account.id'], name=op.f('fk_proposal_merge_undone_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposal_merge'))
    )
    with op.batch_alter_table('proposal_merge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_merge_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_merge_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposal_merge_target_id'), ['target_id'], unique=False)

    op.create_table('roadmap_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roadmap_id', sa.Integer(), nullable=False),
    sa.Column('axis_id', sa.Integer(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('title_i18n', sa.JSON(), nullable=False),
    sa.Column('description_i18n', sa.JSON(), nullable=False),
    sa.Column('geometry', sa.Text(), nullable=True),
    sa.Column('estimated_cost_mad', sa.BigInteger(), nullable=True),
    sa.Column('funding_sources', sa.Text(), nullable=True),
    sa.Column('lead_body', sa.String(length=20), nullable=True),
    sa.Column('lead_body_name', sa.String(length=200), nullable=True),
    sa.Column('partners', sa.Text(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('spent_mad', sa.BigInteger(), nullable=False),
    sa.Column('override_justification', sa.Text(), nullable=True),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'done', 'delayed', 'cancelled')", name=op.f('ck_roadmap_item_status')),
    sa.CheckConstraint('progress BETWEEN 0 AND 100', name=op.f('ck_roadmap_item_progress')),
    sa.ForeignKeyConstraint(['axis_id'], ['strategic_axis.id'], name=op.f('fk_roadmap_item_axis_id_strategic_axis')),
    sa.ForeignKeyConstraint(['roadmap_id'], ['roadmap.id'], name=op.f('fk_roadmap_item_roadmap_id_roadmap'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadmap_item'))
    )
    with op.batch_alter_table('roadmap_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roadmap_item_axis_id'), ['axis_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_roadmap_item_roadmap_id'), ['roadmap_id'], unique=False)

    op.create_table('roadmap_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('roadmap_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('changelog_i18n', sa.JSON(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_roadmap_version_published_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['roadmap_id'], ['roadmap.id'], name=op.f('fk_roadmap_version_roadmap_id_roadmap'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_roadmap_version')),
    sa.UniqueConstraint('roadmap_id', 'number', name=op.f('uq_roadmap_version_roadmap_id_number'))
    )
    with op.batch_alter_table('roadmap_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_roadmap_version_roadmap_id'), ['roadmap_id'], unique=False)

    op.create_table('item_indicator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('name_i18n', sa.JSON(), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=True),
    sa.Column('baseline', sa.Float(), nullable=True),
    sa.Column('target', sa.Float(), nullable=True),
    sa.Column('current', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['roadmap_item.id'], name=op.f('fk_item_indicator_item_id_roadmap_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_indicator'))
    )
    with op.batch_alter_table('item_indicator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_indicator_item_id'), ['item_id'], unique=False)

    op.create_table('progress_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('spent_mad', sa.BigInteger(), nullable=True),
    sa.Column('indicator_values', sa.JSON(), nullable=False),
    sa.Column('note_i18n', sa.JSON(), nullable=False),
    sa.Column('photo_path', sa.String(length=300), nullable=True),
    sa.Column('posted_by_id', sa.Integer(), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'done', 'delayed', 'cancelled')", name=op.f('ck_progress_update_status')),
    sa.CheckConstraint('progress BETWEEN 0 AND 100', name=op.f('ck_progress_update_progress')),
    sa.ForeignKeyConstraint(['item_id'], ['roadmap_item.id'], name=op.f('fk_progress_update_item_id_roadmap_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['posted_by_id'], ['user_account.id'], name=op.f('fk_progress_update_posted_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_update'))
    )
    with op.batch_alter_table('progress_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_progress_update_item_id'), ['item_id'], unique=False)

    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dismissed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("reason IN ('spam', 'offensive', 'personal_data', 'off_topic', 'duplicate', 'other')", name=op.f('ck_report_reason')),
    sa.CheckConstraint('(proposal_id IS NULL) <> (comment_id IS NULL)', name=op.f('ck_report_one_subject')),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_report_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['dismissed_by_id'], ['user_account.id'], name=op.f('fk_report_dismissed_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_report_proposal_id_proposal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['user_account.id'], name=op.f('fk_report_reporter_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report')),
    sa.UniqueConstraint('reporter_id', 'comment_id', name=op.f('uq_report_reporter_id_comment_id')),
    sa.UniqueConstraint('reporter_id', 'proposal_id', name=op.f('uq_report_reporter_id_proposal_id'))
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('roadmap_item_commune',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_roadmap_item_commune_commune_id_commune'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['roadmap_item.id'], name=op.f('fk_roadmap_item_commune_item_id_roadmap_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'commune_id', name=op.f('pk_roadmap_item_commune'))
    )
    op.create_table('roadmap_item_proposal',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['roadmap_item.id'], name=op.f('fk_roadmap_item_proposal_item_id_roadmap_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], name=op.f('fk_roadmap_item_proposal_proposal_id_proposal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('item_id', 'proposal_id', name=op.f('pk_roadmap_item_proposal'))
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_cause', sa.String(length=20), nullable=True))

    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_cause', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('rejection_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_proposal_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_proposal_merged_into_id_proposal'), 'proposal', ['merged_into_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('blocked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('blocked_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('blocked_reason')
        batch_op.drop_column('blocked_at')

    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_proposal_merged_into_id_proposal'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_proposal_merged_into_id'))
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('rejection_reason')
        batch_op.drop_column('hidden_cause')

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_column('hidden_cause')

    op.drop_table('roadmap_item_proposal')
    op.drop_table('roadmap_item_commune')
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_report_comment_id'))

    op.drop_table('report')
    with op.batch_alter_table('progress_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_progress_update_item_id'))

    op.drop_table('progress_update')
    with op.batch_alter_table('item_indicator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_indicator_item_id'))

    op.drop_table('item_indicator')
    with op.batch_alter_table('roadmap_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roadmap_version_roadmap_id'))

    op.drop_table('roadmap_version')
    with op.batch_alter_table('roadmap_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_roadmap_item_roadmap_id'))
        batch_op.drop_index(batch_op.f('ix_roadmap_item_axis_id'))

    op.drop_table('roadmap_item')
    with op.batch_alter_table('proposal_merge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_merge_target_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_merge_source_id'))
        batch_op.drop_index(batch_op.f('ix_proposal_merge_consultation_id'))

    op.drop_table('proposal_merge')
    with op.batch_alter_table('evaluator_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluator_assignment_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_evaluator_assignment_evaluator_id'))

    op.drop_table('evaluator_assignment')
    with op.batch_alter_table('evaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_proposal_id'))

    op.drop_table('evaluation')
    op.drop_table('eligibility_decision')
    op.drop_table('roadmap')
    with op.batch_alter_table('consolidation_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consolidation_run_consultation_id'))

    op.drop_table('consolidation_run')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_filter')
        batch_op.drop_index(batch_op.f('ix_audit_entry_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_actor_id'))

    op.drop_table('audit_entry')
    with op.batch_alter_table('evaluation_criterion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_criterion_consultation_id'))

    op.drop_table('evaluation_criterion')
