"""worklist: partial indexes of the inbox tabs

Revision ID: 5a7c0e3b9d21
Revises: dc3470cc1a8a
Create Date: 2026-12-02 01:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5a7c0e3b9d21'
down_revision = 'dc3470cc1a8a'
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")
UNCLAIMED = sa.text("status = 'open' AND assignee IS NULL")


def upgrade():
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
