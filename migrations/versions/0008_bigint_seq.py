"""attempts.last_seq as a 64-bit integer: clients send millisecond timestamps as seq

Revision ID: 0008_bigint_seq
Revises: 0007_health_probes
Create Date: 2026-12-02 05:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_bigint_seq'
down_revision = '0007_health_probes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.alter_column('last_seq', existing_type=sa.Integer(), type_=sa.BigInteger(),
                              existing_nullable=False)


def downgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.alter_column('last_seq', existing_type=sa.BigInteger(), type_=sa.Integer(),
                              existing_nullable=False)
