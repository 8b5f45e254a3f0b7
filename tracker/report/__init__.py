"""Charts and the PDF report of the cited figures, each point traceable to its citations.

    from tracker.report import build_report
    result = build_report(claims, Path("reports"), conflict="russia-ukraine", since="2024")
    result.charts   # [Path('reports/russia-ukraine_area_gained_km2.png'), ...]
    result.pdf      # Path('reports/report.pdf')
    result.plotted  # one row per plotted citation, with its reference mark
"""

from tracker.report.build import PDF_NAME, ReportResult, build_report
from tracker.report.points import PLOTTED_COLUMNS, chart_file_name
from tracker.report.text import footer_text, references_lines

__all__ = [
    "PDF_NAME",
    "PLOTTED_COLUMNS",
    "ReportResult",
    "build_report",
    "chart_file_name",
    "footer_text",
    "references_lines",
]
