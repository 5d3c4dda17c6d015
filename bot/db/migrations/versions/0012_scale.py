"""indexes a province's /status needs (issue 26): a contact by phone digits or e-mail, a unit by a name written
with Latin letters (compared in lower case)

Revision ID: 0012_scale
Revises: 0011_offices
Create Date: 2026-12-05 01:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0012_scale'
down_revision: Union[str, Sequence[str], None] = '0011_offices'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The phone as typed (0718-7220012, (0878) 8711677) reduced to its digits: exactly the expression
# bot.registry.lookup.phone_digits builds, or PostgreSQL and SQLite will not use the index for it.
_DIGITS = ("replace(replace(replace(replace(replace(replace(replace(phone, '-', ''), ' ', ''), '(', ''), ')', ''), "
           "'（', ''), '）', ''), '+', '')")


def upgrade() -> None:
    op.create_index('ix_contact_phone_digits', 'contact', [sa.text(_DIGITS)])
    op.create_index('ix_contact_email_lower', 'contact', [sa.text('lower(email)')])
    op.create_index('ix_unit_name_lower', 'unit', [sa.text('lower(name)')])


def downgrade() -> None:
    op.drop_index('ix_unit_name_lower', table_name='unit')
    op.drop_index('ix_contact_email_lower', table_name='contact')
    op.drop_index('ix_contact_phone_digits', table_name='contact')
