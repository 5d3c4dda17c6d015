"""The registry of units, domains and contacts: lookup, edits with an audit trail, access, spreadsheets, report."""
