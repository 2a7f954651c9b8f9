"""search_prefs: a search index of course and lesson text, per-person e-mail preferences

Revision ID: 0013_search_prefs
Revises: 0009_accounts
Create Date: 2026-12-02 06:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013_search_prefs'
down_revision = '0009_accounts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_slug', sa.String(length=200), nullable=False),
        sa.Column('lesson_slug', sa.String(length=200), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('course_order', sa.Integer(), nullable=False),
        sa.Column('draft', sa.Boolean(), nullable=False),
        sa.Column('title', sa.String(length=500), nullable=False),
        sa.Column('course_title', sa.String(length=500), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('folded', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_documents')),
    )
    op.create_index('ix_search_documents_course', 'search_documents', ['course_slug'])
    op.create_table(
        'search_index_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_index_state')),
    )
    # Substring search of any language, Japanese included: trigrams on both databases.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute('CREATE INDEX ix_search_documents_folded_trgm ON search_documents '
                   'USING gin (folded gin_trgm_ops)')
    else:
        # External content: the text stays in search_documents only.
        op.execute("CREATE VIRTUAL TABLE search_fts USING fts5(folded, content='search_documents', "
                   "content_rowid='id', tokenize='trigram case_sensitive 1')")
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('mail_off', sa.String(length=300), server_default='',
                                   nullable=False))


def downgrade():
    with op.batch_alter_table('users') as batch:
        batch.drop_column('mail_off')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_search_documents_folded_trgm')
    else:
        op.execute('DROP TABLE IF EXISTS search_fts')
    op.drop_table('search_index_state')
    op.drop_index('ix_search_documents_course', table_name='search_documents')
    op.drop_table('search_documents')
