"""health probes: /healthz proves that writes work

Revision ID: 0007_health_probes
Revises: 0006_discussions
Create Date: 2026-12-02 06:00:00

"""
from alembic import op
import sqlalchemy as sa

import lms.models.types


revision = '0007_health_probes'
down_revision = '0006_discussions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'health_probes',
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('checked_at', lms.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_health_probes')),
    )


def downgrade():
    op.drop_table('health_probes')
