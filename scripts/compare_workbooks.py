"""Compare two workbooks as a reader sees them: every cell with a value or a style (value, type, number format,
bold, size, font colour, fill, alignment, wrap, borders), each sheet's merges, freeze panes, auto-filter, page
setup, print titles and options, and every sheet's values as python-calamine (the import's reader) reads them.

    python scripts/compare_workbooks.py OLD.xlsx NEW.xlsx     # exit 0 when the same, 1 otherwise

Used to check a report written by a new writer against the old one (notes/report-writer-libraries.md)."""
from __future__ import annotations

import sys

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook


def _rgb(color) -> str | None:
    return color.rgb[-6:] if color is not None and color.type == "rgb" else None  # the alpha byte shows nowhere


def _cells(sheet) -> dict:
    out = {}
    for row in sheet.iter_rows():
        for c in row:
            if c.value is None and not c.has_style:
                continue
            out[c.coordinate] = (c.value, c.value is not None and c.data_type, c.number_format, bool(c.font.b),
                                 c.font.sz or 11.0, _rgb(c.font.color), _rgb(c.fill.fgColor) if c.fill.fill_type else None,
                                 c.alignment.horizontal, c.alignment.wrap_text,
                                 tuple(bool(getattr(c.border, s).style) for s in ("left", "right", "top", "bottom")))
    return out


def _settings(s) -> tuple:
    return (sorted(str(r) for r in s.merged_cells.ranges), s.freeze_panes, s.auto_filter.ref, s.page_setup.orientation,
            s.page_setup.paperSize, s.page_setup.fitToHeight,
            s.sheet_properties.pageSetUpPr.fitToPage if s.sheet_properties.pageSetUpPr else None, s.print_title_rows,
            s.print_options.gridLines, s.print_options.horizontalCentered, s.page_margins.left, s.page_margins.right)


def compare(old_path: str, new_path: str) -> int:
    old, new = load_workbook(old_path), load_workbook(new_path)
    if old.sheetnames != new.sheetnames:
        print("sheets differ:", old.sheetnames, new.sheetnames)
        return 1
    differences = compared = 0
    for name in old.sheetnames:
        a, b = _cells(old[name]), _cells(new[name])
        for key in sorted(set(a) | set(b)):
            compared += 1
            x, y = a.get(key), b.get(key)
            if x != y and not ((x is None or x[0] is None) and (y is None or y[0] is None)):  # blank either way
                differences += 1
                if differences <= 20:
                    print(f"{name}!{key}\n  old {x}\n  new {y}")
        if _settings(old[name]) != _settings(new[name]):
            differences += 1
            print(f"{name} settings\n  old {_settings(old[name])}\n  new {_settings(new[name])}")
        values = [CalamineWorkbook.from_path(p).get_sheet_by_name(name).to_python() for p in (old_path, new_path)]
        if values[0] != values[1]:
            differences += 1
            print(f"{name}: values read by python-calamine differ")
    print(f"{compared} cells compared, {differences} differences")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(compare(sys.argv[1], sys.argv[2]))
