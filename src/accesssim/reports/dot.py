"""A picture of the findings: each witness path as a chain of entities, defects in red.

Render with Graphviz: ``accesssim analyze M --format dot -o out.dot && dot -Tsvg out.dot``.
"""

from __future__ import annotations

from accesssim.findings.results import Report

_SHAPES = {"person": "ellipse", "account": "note", "terminal": "box3d", "system": "cylinder",
           "screen": "box", "field": "hexagon"}


def report_to_dot(report: Report) -> str:
    import graphviz  # imported here: `accesssim --help` should not pay for it

    graph = graphviz.Digraph("accesssim", graph_attr={"rankdir": "LR", "fontname": "sans-serif",
                                                      "label": report.model_name})
    graph.attr("node", fontname="sans-serif", fontsize="10")
    graph.attr("edge", fontname="sans-serif", fontsize="9")
    for number, finding in enumerate(report.findings, start=1):
        with graph.subgraph(name=f"cluster_{number}") as cluster:
            types = ", ".join(t.label for t in finding.failure_types)
            people = "1 person" if finding.headcount == 1 else f"{finding.headcount} people"
            cluster.attr(label=f"{finding.id}: {types}\\n{people}; "
                               f"{', '.join(finding.fields)}", color="gray")
            previous = None
            for index, step in enumerate(finding.path):
                kind, _, name = step.node.partition(":")
                node_id = f"f{number}_{index}"
                cluster.node(node_id, f"{kind}\\n{name}", shape=_SHAPES.get(kind, "box"))
                if previous is not None:
                    if step.defect:
                        cluster.edge(previous, node_id, label=step.defect.label, color="red",
                                     fontcolor="red", penwidth="2")
                    else:
                        cluster.edge(previous, node_id)
                previous = node_id
    source: str = graph.source
    return source
