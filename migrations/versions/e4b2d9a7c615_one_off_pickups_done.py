"""one-off pickups: the miss a repeat is for, and the collection that satisfied them

Revision ID: e4b2d9a7c615
Revises: a3f7c91e5b20
Create Date: 2026-12-02 17:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b2d9a7c615'
down_revision = 'a3f7c91e5b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('routing_schedule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('missed_day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('done_by_pickup_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_routing_schedule_done_by_pickup_id_routing_pickup'),
                                    'routing_pickup', ['done_by_pickup_id'], ['id'])


def downgrade():
    with op.batch_alter_table('routing_schedule', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_routing_schedule_done_by_pickup_id_routing_pickup'),
                                 type_='foreignkey')
        batch_op.drop_column('done_by_pickup_id')
        batch_op.drop_column('missed_day')
