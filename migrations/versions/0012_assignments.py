"""assignments: courses and certifications assigned with a due date; scheduled report e-mails

Revision ID: 0012_assignments
Revises: 0015_ob3
Create Date: 2026-12-02 06:20:00

"""
from alembic import op
import sqlalchemy as sa

import lms.models.types


revision = '0012_assignments'
down_revision = '0015_ob3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'assignments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('target', sa.String(length=100), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('due_at', lms.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('assigned_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', lms.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('completed_at', lms.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('notices', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_assignments_user_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'],
                                name=op.f('fk_assignments_assigned_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments')),
        sa.UniqueConstraint('user_id', 'kind', 'target', name='uq_assignments_user_target'),
    )
    op.create_index(op.f('ix_assignments_user_id'), 'assignments', ['user_id'], unique=False)
    op.create_index('ix_assignments_open_due', 'assignments', ['completed_at', 'due_at'],
                    unique=False)
    op.create_table(
        'scheduled_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('period', sa.String(length=16), nullable=False),
        sa.Column('created_at', lms.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_scheduled_reports_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_reports')),
        sa.UniqueConstraint('user_id', 'kind', 'period', name='uq_scheduled_reports_user_period'),
    )


def downgrade():
    op.drop_table('scheduled_reports')
    op.drop_index('ix_assignments_open_due', table_name='assignments')
    op.drop_index(op.f('ix_assignments_user_id'), table_name='assignments')
    op.drop_table('assignments')
