"""per-partner timer start events: a firing fans out to one one-off row per partner

Revision ID: a3f7c91e5b20
Revises: d01cdce4783d
Create Date: 2026-12-02 15:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3f7c91e5b20'
down_revision = 'd01cdce4783d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('start_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('per_partner', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('partner_id', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('start_event', schema=None) as batch_op:
        batch_op.drop_column('partner_id')
        batch_op.drop_column('per_partner')
