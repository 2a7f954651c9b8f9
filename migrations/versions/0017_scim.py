"""scim: company-scoped SCIM tokens, named and revocable API tokens, deactivatable companies

Revision ID: 0017_scim
Revises: 0012_assignments
Create Date: 2026-12-02 06:20:00

"""
from alembic import op
import sqlalchemy as sa

import lms.models.types


revision = '0017_scim'
down_revision = '0012_assignments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'scim_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=True),
        sa.Column('form_nonce', sa.String(length=64), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', lms.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', lms.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', lms.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_scim_tokens_organization_id_organizations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_scim_tokens_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scim_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_scim_tokens_token_hash')),
        sa.UniqueConstraint('form_nonce', name=op.f('uq_scim_tokens_form_nonce')),
    )
    op.create_index(op.f('ix_scim_tokens_organization_id'), 'scim_tokens', ['organization_id'],
                    unique=False)
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('form_nonce', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', lms.models.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_api_tokens_form_nonce'), ['form_nonce'])
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scim_external_id', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('scim_external_id')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('active')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_api_tokens_form_nonce'), type_='unique')
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('form_nonce')
        batch_op.drop_column('name')
    op.drop_index(op.f('ix_scim_tokens_organization_id'), table_name='scim_tokens')
    op.drop_table('scim_tokens')
