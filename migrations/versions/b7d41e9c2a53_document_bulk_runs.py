"""document bulk runs: a period's receipts rendered in batches by the workers

Revision ID: b7d41e9c2a53
Revises: 52e865c62127
Create Date: 2026-12-02 01:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41e9c2a53'
down_revision = '52e865c62127'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_bulk_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('period', sa.Date(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('batches', sa.Integer(), nullable=False),
    sa.Column('batch_size', sa.Integer(), nullable=False),
    sa.Column('provider', sa.JSON(), nullable=False),
    sa.Column('instance_id', sa.String(length=36), nullable=True),
    sa.Column('created_by', sa.String(length=80), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_document_bulk_run_partner_id_partner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_bulk_run')),
    sa.UniqueConstraint('key', name=op.f('uq_document_bulk_run_key'))
    )
    with op.batch_alter_table('document_bulk_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_bulk_run_partner_id'), ['partner_id'], unique=False)

    op.create_table('document_bulk_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('index', sa.Integer(), nullable=False),
    sa.Column('rendered', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.JSON(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_document_bulk_batch_document_id_document')),
    sa.ForeignKeyConstraint(['run_id'], ['document_bulk_run.id'], name=op.f('fk_document_bulk_batch_run_id_document_bulk_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_bulk_batch')),
    sa.UniqueConstraint('run_id', 'index', name=op.f('uq_document_bulk_batch_run_id'))
    )
    with op.batch_alter_table('document_bulk_batch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_bulk_batch_run_id'), ['run_id'], unique=False)


def downgrade():
    with op.batch_alter_table('document_bulk_batch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_bulk_batch_run_id'))
    op.drop_table('document_bulk_batch')
    with op.batch_alter_table('document_bulk_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_bulk_run_partner_id'))
    op.drop_table('document_bulk_run')
