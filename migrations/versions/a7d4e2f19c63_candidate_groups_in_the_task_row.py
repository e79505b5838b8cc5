"""worklist: a task's candidate groups are matched in its own row (the counters' index covers them), not through a
table of (task, group) rows

Revision ID: a7d4e2f19c63
Revises: f3a91c07d2b4
Create Date: 2026-12-07 15:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d4e2f19c63'
down_revision = 'f3a91c07d2b4'
branch_labels = None
depends_on = None

OPEN = sa.text("status = 'open'")
COUNTED = ['assignee', 'due_at', 'created_at', 'id', 'candidate_users', 'candidate_groups']
STATISTICS = ("CREATE STATISTICS IF NOT EXISTS human_task_offered "
              "ON (CAST(candidate_groups AS TEXT)), (CAST(candidate_users AS TEXT)) FROM human_task")


def _counters_index(columns):
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_open_counters')
        batch_op.create_index('ix_human_task_open_counters', ['partner_id'], unique=False,
                              postgresql_include=columns, postgresql_where=OPEN, sqlite_where=OPEN)


def upgrade():
    _counters_index(COUNTED)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(STATISTICS)
        op.execute("ANALYZE human_task")
    with op.batch_alter_table('human_task_candidate', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_candidate_lookup')
        batch_op.drop_index('ix_human_task_candidate_group')
    op.drop_table('human_task_candidate')


def downgrade():
    op.create_table('human_task_candidate',
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('group_name', sa.String(length=40), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['human_task.id'], name=op.f('fk_human_task_candidate_task_id_human_task'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', 'group_name', name=op.f('pk_human_task_candidate'))
    )
    with op.batch_alter_table('human_task_candidate', schema=None) as batch_op:
        batch_op.create_index('ix_human_task_candidate_group', ['group_name', 'partner_id'], unique=False)
        batch_op.create_index('ix_human_task_candidate_lookup', ['group_name', 'partner_id', 'task_id'], unique=False)
    # the rows of the open tasks, from their own lists (once per group; a name longer than the old column is left out)
    elements = ("json_array_elements_text(t.candidate_groups)" if op.get_bind().dialect.name == 'postgresql'
                else "json_each(t.candidate_groups)")
    value = "g" if op.get_bind().dialect.name == 'postgresql' else "g.value"
    op.execute(f"INSERT INTO human_task_candidate (task_id, group_name, partner_id) SELECT DISTINCT t.id, {value}, "
               f"t.partner_id FROM human_task t, {elements} AS g WHERE t.status = 'open' AND length({value}) <= 40")
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP STATISTICS IF EXISTS human_task_offered")
    _counters_index(COUNTED[:-1])
