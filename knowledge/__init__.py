"""The policy as data plus pure logic (Q&A, naming, rules, deadlines). Imports nothing from bot/ or handlers/."""
