"""timers

Revision ID: 7b1e9c2d4f10
Revises: 4e2c601b4c33
Create Date: 2026-11-23 05:35:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7b1e9c2d4f10'
down_revision = '4e2c601b4c33'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('timer',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('task_key', sa.String(length=100), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('fired_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_timer_instance_id_process_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_timer')),
    sa.UniqueConstraint('task_id', name=op.f('uq_timer_task_id'))
    )
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timer_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index('ix_timer_due', ['status', 'due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.drop_index('ix_timer_due')
        batch_op.drop_index(batch_op.f('ix_timer_instance_id'))
    op.drop_table('timer')
