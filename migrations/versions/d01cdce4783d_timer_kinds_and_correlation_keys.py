"""timer kinds (boundary | intermediate) for the metrics; correlation keys of message subscriptions

Revision ID: d01cdce4783d
Revises: 160ee998b9d8
Create Date: 2026-12-02 13:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd01cdce4783d'
down_revision = '160ee998b9d8'
branch_labels = None
depends_on = None


def upgrade():
    # Timers written before this revision are counted as intermediate: the kind is known only from the spec.
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=12), server_default='intermediate', nullable=False))


def downgrade():
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.drop_column('kind')
