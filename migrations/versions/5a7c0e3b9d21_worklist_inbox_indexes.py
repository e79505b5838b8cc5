"""worklist: partial indexes of the inbox tabs, task_search, task_attachment, inbox_visit

Revision ID: 5a7c0e3b9d21
Revises: 0483bbe62738
Create Date: 2026-12-02 01:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a7c0e3b9d21'
down_revision = '0483bbe62738'
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")
UNCLAIMED = sa.text("status = 'open' AND assignee IS NULL")


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_table('task_search',
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('client_name', sa.String(length=300), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('contract_number', sa.String(length=300), nullable=True),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.PrimaryKeyConstraint('instance_id', name=op.f('pk_task_search'))
    )
    op.create_table('inbox_visit',
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('username', name=op.f('pk_inbox_visit'))
    )
    op.create_table('task_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('uploaded_by', sa.String(length=80), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_attachment'))
    )
    with op.batch_alter_table('task_attachment', schema=None) as batch_op:
        batch_op.create_index('ix_task_attachment_instance', ['instance_id', 'uploaded_at'], unique=False)
    with op.batch_alter_table('human_task_candidate', schema=None) as batch_op:
        batch_op.create_index('ix_human_task_candidate_lookup', ['group_name', 'partner_id', 'task_id'], unique=False)
    with op.batch_alter_table('task_search', schema=None) as batch_op:
        batch_op.create_index('ix_task_search_text_trgm', ['text'], unique=False, postgresql_using='gin',
                              postgresql_ops={'text': 'gin_trgm_ops'})
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.create_index('ix_human_task_open_by_partner', ['partner_id', 'due_at', 'id'], unique=False,
                              postgresql_where=OPEN, sqlite_where=OPEN)
        batch_op.create_index('ix_human_task_unclaimed_by_partner', ['partner_id', 'due_at', 'id'], unique=False,
                              postgresql_where=UNCLAIMED, sqlite_where=UNCLAIMED)
        batch_op.create_index('ix_human_task_open_by_assignee', ['assignee', 'due_at', 'id'], unique=False,
                              postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade():
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_open_by_assignee')
        batch_op.drop_index('ix_human_task_unclaimed_by_partner')
        batch_op.drop_index('ix_human_task_open_by_partner')
    with op.batch_alter_table('task_search', schema=None) as batch_op:
        batch_op.drop_index('ix_task_search_text_trgm')
    with op.batch_alter_table('human_task_candidate', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_candidate_lookup')
    op.drop_table('task_search')
    with op.batch_alter_table('task_attachment', schema=None) as batch_op:
        batch_op.drop_index('ix_task_attachment_instance')
    op.drop_table('task_attachment')
    op.drop_table('inbox_visit')
