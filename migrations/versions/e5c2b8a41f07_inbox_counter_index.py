"""worklist: a covering partial index of the open tasks for the inbox tab counters

Revision ID: e5c2b8a41f07
Revises: e4b2d9a7c615
Create Date: 2026-12-02 17:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5c2b8a41f07'
down_revision = 'e4b2d9a7c615'
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")
COUNTED = ['assignee', 'due_at', 'created_at', 'id', 'candidate_users']


def upgrade():
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.create_index('ix_human_task_open_counters', ['partner_id'], unique=False,
                              postgresql_include=COUNTED, postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade():
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_open_counters')
