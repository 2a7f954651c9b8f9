"""chart counts: the dashboard's chart figures per day, kept on writes and by the sweep; dashboard figure snapshots; forecast indexes

Revision ID: 0018_chart_counts
Revises: 0016_uploads
Create Date: 2026-12-02 13:00:00

"""
from alembic import op
import sqlalchemy as sa

import lms.models.types


revision = '0018_chart_counts'
down_revision = '0016_uploads'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'chart_counts',
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('day', sa.String(length=10), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.Column('passed', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'key', 'day', name=op.f('pk_chart_counts')),
    )
    # Filled by the next `lms sweep` (lms.services.chart_counts.rebuild); until then the
    # dashboard counts from the rows, as before.
    op.create_table(
        'chart_snapshots',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('version', sa.String(length=200), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('computed_at', lms.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_chart_snapshots')),
    )
    # The tier forecast reads the expiries of the companies at risk by index alone.
    op.create_index('ix_users_organization_id_id', 'users', ['organization_id', 'id'])
    op.create_index('ix_certifications_user_expires', 'certifications',
                    ['user_id', 'expires_at', 'revoked_at'])
    # The expiring-soon list orders by (expires_at, id): in that index's order its first
    # page reads ten rows, not every certification sharing the first expiry instant.
    op.create_index('ix_certifications_expires_id', 'certifications', ['expires_at', 'id'])
    op.drop_index('ix_certifications_expires_at', table_name='certifications')


def downgrade():
    op.create_index('ix_certifications_expires_at', 'certifications', ['expires_at'])
    op.drop_index('ix_certifications_expires_id', table_name='certifications')
    op.drop_index('ix_certifications_user_expires', table_name='certifications')
    op.drop_index('ix_users_organization_id_id', table_name='users')
    op.drop_table('chart_snapshots')
    op.drop_table('chart_counts')
