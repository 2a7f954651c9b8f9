"""accounts: outbox, single-use account tokens, company e-mail domains, password change at first sign-in

Revision ID: 0009_accounts
Revises: 0011_workbench
Create Date: 2026-12-02 05:40:00

"""
from alembic import op
import sqlalchemy as sa

import lms.models.types


revision = '0009_accounts'
down_revision = '0011_workbench'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('message_id', sa.String(length=200), nullable=False),
        sa.Column('recipient', sa.String(length=254), nullable=False),
        sa.Column('subject', sa.String(length=500), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', lms.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('claim', sa.String(length=64), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('created_at', lms.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sent_at', lms.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
        sa.UniqueConstraint('message_id', name=op.f('uq_outbox_message_id')),
    )
    op.create_index('ix_outbox_due', 'outbox', ['status', 'next_attempt_at'], unique=False)
    op.create_table(
        'account_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('role', sa.String(length=16), nullable=True),
        sa.Column('organization_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=True),
        sa.Column('password_hash', sa.String(length=255), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', lms.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', lms.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', lms.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', lms.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_account_tokens_user_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_account_tokens_organization_id_organizations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_account_tokens_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_account_tokens_token_hash')),
    )
    op.create_index(op.f('ix_account_tokens_email'), 'account_tokens', ['email'], unique=False)
    op.create_table(
        'organization_domains',
        sa.Column('domain', sa.String(length=253), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_organization_domains_organization_id_organizations'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('domain', name=op.f('pk_organization_domains')),
    )
    op.create_index(op.f('ix_organization_domains_organization_id'), 'organization_domains',
                    ['organization_id'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
    op.drop_index(op.f('ix_organization_domains_organization_id'),
                  table_name='organization_domains')
    op.drop_table('organization_domains')
    op.drop_index(op.f('ix_account_tokens_email'), table_name='account_tokens')
    op.drop_table('account_tokens')
    op.drop_index('ix_outbox_due', table_name='outbox')
    op.drop_table('outbox')
