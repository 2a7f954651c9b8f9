"""notification centre: notifications and the unread count on users

Revision ID: 0004_inbox
Revises: 0003_partners
Create Date: 2026-12-01 11:40:00

"""
from alembic import op
import sqlalchemy as sa

import lms.models.types


revision = '0004_inbox'
down_revision = '0003_partners'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('event_key', sa.String(length=200), nullable=False),
        sa.Column('created_at', lms.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('read_at', lms.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('user_id', 'event_key', name='uq_notifications_user_event'),
    )
    op.create_index('ix_notifications_user_id_desc', 'notifications', ['user_id', 'id'], unique=False)
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('unread_notifications', sa.Integer(), server_default='0',
                                   nullable=False))


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('unread_notifications')
    op.drop_index('ix_notifications_user_id_desc', table_name='notifications')
    op.drop_table('notifications')
