"""send_pace: the send budget shared by every bot process on one database

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-28 15:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'send_pace',
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('next_at', sa.Float(precision=53), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade() -> None:
    op.drop_table('send_pace')
