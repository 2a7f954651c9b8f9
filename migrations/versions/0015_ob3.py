"""Open Badges 3.0: published issuer keys, status list positions of certifications

Revision ID: 0015_ob3
Revises: 0013_search_prefs
Create Date: 2026-12-02 06:30:00

"""
from alembic import op
import sqlalchemy as sa

import lms.models.types


revision = '0015_ob3'
down_revision = '0013_search_prefs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ob3_keys',
        sa.Column('kid', sa.String(length=64), nullable=False),
        sa.Column('public_jwk', sa.JSON(), nullable=False),
        sa.Column('created_at', lms.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('retired_at', lms.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('kid', name=op.f('pk_ob3_keys')),
    )
    with op.batch_alter_table('certifications') as batch_op:
        batch_op.add_column(sa.Column('status_index', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_certifications_status_index'),
                                          ['status_index'])


def downgrade():
    with op.batch_alter_table('certifications') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_certifications_status_index'), type_='unique')
        batch_op.drop_column('status_index')
    op.drop_table('ob3_keys')
