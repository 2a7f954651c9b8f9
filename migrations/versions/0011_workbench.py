"""certifications record the exam versions they were earned on

Revision ID: 0011_workbench
Revises: 0008_bigint_seq
Create Date: 2026-12-02 06:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_workbench'
down_revision = '0008_bigint_seq'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certifications') as batch_op:
        batch_op.add_column(sa.Column('exam_versions', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('certifications') as batch_op:
        batch_op.drop_column('exam_versions')
