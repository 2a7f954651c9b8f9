"""points: the append-only ledger, running totals, leaderboard opt-out

Revision ID: 0005_points
Revises: 0004_inbox
Create Date: 2026-12-01 12:00:00

"""
from alembic import op
import sqlalchemy as sa

import lms.models.types


revision = '0005_points'
down_revision = '0004_inbox'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'points_ledger',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_key', sa.String(length=200), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.Column('created_at', lms.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_points_ledger_user_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_points_ledger_organization_id_organizations'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_points_ledger')),
        sa.UniqueConstraint('event_key', name=op.f('uq_points_ledger_event_key')),
    )
    op.create_index('ix_points_ledger_user', 'points_ledger', ['user_id', 'created_at'])
    op.create_table(
        'points_totals',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_points_totals_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'period', name=op.f('pk_points_totals')),
    )
    op.create_index('ix_points_totals_board', 'points_totals', ['period', 'points'])
    op.create_table(
        'company_points_totals',
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('points', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_company_points_totals_organization_id_organizations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('organization_id', 'period', name=op.f('pk_company_points_totals')),
    )
    op.create_index('ix_company_points_totals_board', 'company_points_totals', ['period', 'points'])
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('leaderboard_opt_out', sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
    op.create_index('ix_users_leaderboard_opt_out', 'users', ['leaderboard_opt_out'])
    op.create_index('ix_users_active', 'users', ['active'])


def downgrade():
    op.drop_index('ix_users_active', table_name='users')
    op.drop_index('ix_users_leaderboard_opt_out', table_name='users')
    with op.batch_alter_table('users') as batch:
        batch.drop_column('leaderboard_opt_out')
    op.drop_index('ix_company_points_totals_board', table_name='company_points_totals')
    op.drop_table('company_points_totals')
    op.drop_index('ix_points_totals_board', table_name='points_totals')
    op.drop_table('points_totals')
    op.drop_index('ix_points_ledger_user', table_name='points_ledger')
    op.drop_table('points_ledger')
