"""The policy as data plus pure logic (Q&A, naming, rules, deadlines). Imports nothing from bot/ or handlers/."""
import os

# pypinyin's phrase dictionary costs ~45 MB of memory; place names get their readings from
# data/place_readings.yaml instead (tests/test_naming.py checks every division reads the same). Must be
# set before pypinyin is first imported.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")
