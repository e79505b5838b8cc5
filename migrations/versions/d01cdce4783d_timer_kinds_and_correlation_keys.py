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
    # Subscriptions written before this revision have no keys: they are found by business key or instance only.
    op.create_table('correlation_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('message_name', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_correlation_key_instance_id_process_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correlation_key'))
    )
    with op.batch_alter_table('correlation_key', schema=None) as batch_op:
        batch_op.create_index('ix_correlation_key_lookup', ['message_name', 'name', 'value'], unique=False)
        batch_op.create_index(batch_op.f('ix_correlation_key_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_correlation_key_task_id'), ['task_id'], unique=False)


def downgrade():
    with op.batch_alter_table('correlation_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_correlation_key_task_id'))
        batch_op.drop_index(batch_op.f('ix_correlation_key_instance_id'))
        batch_op.drop_index('ix_correlation_key_lookup')
    op.drop_table('correlation_key')
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.drop_column('kind')
