"""domain status is its life (在用 …), compliance computed; kind per domain; settings set in chat

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 15:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
import sqlmodel

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('domain', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=32), nullable=False, server_default=''))
    # 规范在用 / 不规范 were typed compliance: both are domains in use; compliance is computed from the rules.
    op.execute("UPDATE domain SET status = '在用' WHERE status IN ('规范在用', '不规范', '')")
    op.create_table(
        'setting',
        sa.Column('key', sa.String(length=50), nullable=False),
        sa.Column('value', sa.String(length=400), nullable=False),
        sa.Column('updated_by', sa.String(length=100), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade() -> None:
    op.drop_table('setting')
    op.execute("UPDATE domain SET status = '规范在用' WHERE status = '在用'")
    with op.batch_alter_table('domain', schema=None) as batch_op:
        batch_op.drop_column('kind')
