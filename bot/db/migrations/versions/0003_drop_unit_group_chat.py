"""unit group link lives on chat.unit_id only

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 11:01:36.802039

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""

    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_column('group_chat_id')




def downgrade() -> None:
    """Downgrade schema."""

    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_chat_id', sa.BIGINT(), nullable=True))


