"""lesson discussions: questions and answers

Revision ID: 0006_discussions
Revises: 0005_points
Create Date: 2026-12-01 12:30:00

"""
from alembic import op
import sqlalchemy as sa

import lms.models.types


revision = '0006_discussions'
down_revision = '0005_points'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'posts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('course_slug', sa.String(length=100), nullable=False),
        sa.Column('lesson_slug', sa.String(length=100), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=False),
        sa.Column('private', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('hidden', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('pinned', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('accepted', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('deleted', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('answers', sa.Integer(), server_default='0', nullable=False),
        sa.Column('created_at', lms.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('edited_at', lms.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['parent_id'], ['posts.id'], name=op.f('fk_posts_parent_id_posts'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_posts_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_posts')),
    )
    op.create_index('ix_posts_lesson', 'posts', ['course_slug', 'lesson_slug', 'parent_id', 'id'])
    op.create_index('ix_posts_parent', 'posts', ['parent_id', 'id'])
    op.create_index('ix_posts_user_created', 'posts', ['user_id', 'created_at'])


def downgrade():
    op.drop_index('ix_posts_user_created', table_name='posts')
    op.drop_index('ix_posts_parent', table_name='posts')
    op.drop_index('ix_posts_lesson', table_name='posts')
    op.drop_table('posts')
