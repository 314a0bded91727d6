"""The self-contained HTML audit report (``accesssim report``): one file, inline CSS and SVG,
nothing fetched, laid out by Jinja2 templates (``data/templates/*.j2``, autoescaped) from the
frozen figures of html_view.py. The templates' own words go through the same ``Translator``
(``jinja2.ext.i18n``'s ``_``), so babel extracts them like the ``msg`` templates of the code.
"""

from __future__ import annotations

from collections.abc import Mapping

from jinja2 import Environment, PackageLoader, StrictUndefined

from accesssim.findings.results import Report
from accesssim.i18n import Translator
from accesssim.model.schema import SystemModel
from accesssim.reports.html_view import PageView, ProposalView, VariantView, page_view

TEMPLATE = "report.html.j2"


def environment(tr: Translator) -> Environment:
    """A Jinja environment printing the templates' words in ``tr``'s language."""
    env = Environment(loader=PackageLoader("accesssim", "data/templates"), autoescape=True,
                      undefined=StrictUndefined, extensions=["jinja2.ext.i18n"],
                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return tr.word(singular if n == 1 else plural)

    env.install_gettext_callables(tr.word, ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.filters["thousands"] = lambda n: f"{n:,}"
    return env


def page_to_html(page: PageView, tr: Translator) -> str:
    """The page laid out by the template (deterministic: same page, same bytes)."""
    return environment(tr).get_template(TEMPLATE).render(page=page)


def report_to_html(model: SystemModel, report: Report, tr: Translator,
                   svgs: Mapping[str, str], variant: VariantView | None = None,
                   proposal: ProposalView | None = None) -> str:
    """The HTML report of ``report``; ``svgs``: each finding's diagram (inline SVG) by id."""
    return page_to_html(page_view(model, report, tr, svgs, variant, proposal), tr)
