"""The learning-curve figure (PNG bytes) and the HTML page of detailed results (figure embedded, one row per
prediction); :func:`scoring.score.write_score_outputs` writes them."""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the headless backend)

if TYPE_CHECKING:
    from scoring.score import ScoreResult


def learning_curve_png(result: ScoreResult) -> bytes:
    """The step learning curve over transformed time as a PNG, each point's score labelled, the ALC in the
    title."""
    counted = [p for p in result.predictions if p.counted]
    x = [0.0] + [p.transformed_time for p in counted] + [1.0]
    y = [0.0] + [p.score for p in counted]
    y.append(y[-1])
    figure, axes = plt.subplots(figsize=(7, 4.5))
    axes.step(x, y, where="post", color="tab:blue")
    axes.fill_between(x, y, step="post", alpha=0.25, color="tab:blue")
    for point in counted:
        axes.plot(point.transformed_time, point.score, "o", color="tab:blue")
        axes.annotate(f"{point.score:.3f}", (point.transformed_time, point.score), textcoords="offset points",
                      xytext=(0, 6), ha="center", fontsize=8)
    axes.set_xlim(0, 1)
    axes.set_ylim(min(0.0, *y) - 0.05, 1.05)
    axes.set_xlabel(f"transformed time log(1 + t/60) / log(1 + {result.time_budget:g}/60)")
    axes.set_ylabel("2·AUC − 1")
    axes.set_title(f"{result.task_name}: ALC = {result.alc:.4f}")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


def detailed_results_html(result: ScoreResult, curve_png: bytes) -> str:
    """An HTML page with the learning curve (base64 PNG) and a table of the predictions."""
    image = base64.b64encode(curve_png).decode("ascii")
    rows = "\n".join(
        f"<tr><td>{p.index}</td><td>{p.time:.2f}</td><td>{p.transformed_time:.4f}</td><td>{p.score:.4f}</td>"
        f"<td>{'yes' if p.counted else 'no (after the budget)'}</td></tr>" for p in result.predictions)
    name = html.escape(result.task_name)
    outcome = {True: "succeeded", False: "failed", None: "unfinished (no end.txt)"}[result.ingestion_success]
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{name}: detailed results</title></head>
<body>
<h1>{name}: ALC {result.alc:.4f}</h1>
<p>Time budget {result.time_budget:g} s, ingestion duration {result.duration:.2f} s, ingestion {outcome}.</p>
<img src="data:image/png;base64,{image}" alt="learning curve">
<table border="1" cellpadding="4">
<tr><th>K</th><th>time (s)</th><th>transformed time</th><th>2·AUC − 1</th><th>counted</th></tr>
{rows}
</table>
</body></html>
"""
