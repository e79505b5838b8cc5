"""jobs: when a job's broker message was last sent, so that the sweep resends only lost messages

Revision ID: f3a91c07d2b4
Revises: e5c2b8a41f07
Create Date: 2026-12-07 15:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a91c07d2b4'
down_revision = 'e5c2b8a41f07'
branch_labels = None
depends_on = None

UNSENT = sa.text("sent_at IS NULL AND status IN ('pending', 'locked') AND NOT external")
SENT = sa.text("sent_at IS NOT NULL AND status IN ('pending', 'locked')")


def upgrade():
    # Existing jobs get no `sent_at`: the first sweep sends each ready one once, as every sweep did before.
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_job_unsent', ['due_at'], unique=False, postgresql_where=UNSENT,
                              sqlite_where=UNSENT)
        batch_op.create_index('ix_job_sent', ['sent_at'], unique=False, postgresql_where=SENT, sqlite_where=SENT)


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index('ix_job_sent')
        batch_op.drop_index('ix_job_unsent')
        batch_op.drop_column('sent_at')
