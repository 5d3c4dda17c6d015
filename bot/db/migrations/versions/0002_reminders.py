"""reminders: chats, holidays, deadlines, delivery outbox

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 09:29:22.089387

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


# revision identifiers, used by Alembic.
revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""

    op.create_table('holiday',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_workday', sa.Boolean(), nullable=False),
    sa.Column('entered_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('entered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('chat',
    sa.Column('id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('subscribed', sa.Boolean(), nullable=False),
    sa.Column('digest', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('deadline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('basis', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('due', sa.Date(), nullable=False),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('domain_id', sa.Integer(), nullable=True),
    sa.Column('audience', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('done_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('done_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['domain_id'], ['domain.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_due'), ['due'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadline_key'), ['key'], unique=True)
        batch_op.create_index(batch_op.f('ix_deadline_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadline_unit_id'), ['unit_id'], unique=False)

    op.create_table('delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('deadline_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('claimed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.ForeignKeyConstraint(['deadline_id'], ['deadline.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_chat_id'), ['chat_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_deadline_id'), ['deadline_id'], unique=False)
        batch_op.create_index('ix_delivery_due', ['status', 'due_at'], unique=False)




def downgrade() -> None:
    """Downgrade schema."""

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_due')
        batch_op.drop_index(batch_op.f('ix_delivery_deadline_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_chat_id'))

    op.drop_table('delivery')
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_unit_id'))
        batch_op.drop_index(batch_op.f('ix_deadline_status'))
        batch_op.drop_index(batch_op.f('ix_deadline_key'))
        batch_op.drop_index(batch_op.f('ix_deadline_due'))

    op.drop_table('deadline')
    op.drop_table('chat')
    op.drop_table('holiday')

