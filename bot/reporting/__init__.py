"""What the office sends up and reads at a glance: the clean-up report workbook, progress, the weekly digest."""
