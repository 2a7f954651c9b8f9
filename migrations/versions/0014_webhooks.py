"""webhooks: endpoints, messages (their outbox) and the delivery log

Revision ID: 0014_webhooks
Revises: 0017_scim
Create Date: 2026-12-02 06:20:00

"""
from alembic import op
import sqlalchemy as sa

import lms.models.types


revision = '0014_webhooks'
down_revision = '0017_scim'
branch_labels = None
depends_on = None

_TS = lms.models.types.UTCDateTime(timezone=True)


def upgrade():
    op.create_table(
        'webhook_endpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('description', sa.String(length=200), nullable=False),
        sa.Column('secret', sa.String(length=100), nullable=False),
        sa.Column('previous_secret', sa.String(length=100), nullable=True),
        sa.Column('previous_secret_until', _TS, nullable=True),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('disabled_reason', sa.String(length=500), nullable=True),
        sa.Column('failing_since', _TS, nullable=True),
        sa.Column('created_at', _TS, nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints')),
    )
    op.create_table(
        'webhook_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=64), nullable=False),
        sa.Column('endpoint_id', sa.Integer(), nullable=False),
        sa.Column('event_type', sa.String(length=64), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', _TS, nullable=False),
        sa.Column('claim', sa.String(length=64), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('created_at', _TS, nullable=False),
        sa.Column('delivered_at', _TS, nullable=True),
        sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id'],
                                name=op.f('fk_webhook_messages_endpoint_id_webhook_endpoints'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_messages')),
        sa.UniqueConstraint('message_id', name=op.f('uq_webhook_messages_message_id')),
    )
    op.create_index(op.f('ix_webhook_messages_endpoint_id'), 'webhook_messages',
                    ['endpoint_id'], unique=False)
    op.create_index('ix_webhook_messages_due', 'webhook_messages',
                    ['status', 'next_attempt_at'], unique=False)
    op.create_index('ix_webhook_messages_subject', 'webhook_messages',
                    ['endpoint_id', 'subject', 'status'], unique=False)
    op.create_table(
        'webhook_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('endpoint_id', sa.Integer(), nullable=False),
        sa.Column('attempted_at', _TS, nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.Column('ok', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['webhook_messages.id'],
                                name=op.f('fk_webhook_attempts_message_id_webhook_messages'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['endpoint_id'], ['webhook_endpoints.id'],
                                name=op.f('fk_webhook_attempts_endpoint_id_webhook_endpoints'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_attempts')),
    )
    op.create_index(op.f('ix_webhook_attempts_message_id'), 'webhook_attempts',
                    ['message_id'], unique=False)
    op.create_index(op.f('ix_webhook_attempts_endpoint_id'), 'webhook_attempts',
                    ['endpoint_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_webhook_attempts_endpoint_id'), table_name='webhook_attempts')
    op.drop_index(op.f('ix_webhook_attempts_message_id'), table_name='webhook_attempts')
    op.drop_table('webhook_attempts')
    op.drop_index('ix_webhook_messages_subject', table_name='webhook_messages')
    op.drop_index('ix_webhook_messages_due', table_name='webhook_messages')
    op.drop_index(op.f('ix_webhook_messages_endpoint_id'), table_name='webhook_messages')
    op.drop_table('webhook_messages')
    op.drop_table('webhook_endpoints')
