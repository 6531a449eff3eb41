"""Learning curves of a trial as a small PNG figure (matplotlib, no pyplot state)."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

SKIP = {"learning_rate"}


def learning_curve(history: dict[str, list[tuple[int, float]]], title: str) -> Figure:
    """Plots loss (train and validation) beside the other metrics, per epoch.

    Args:
        history: Metric name to ``(epoch, value)`` pairs, as logged (``loss``, ``val_loss``...).
        title: The figure's title (the trial's run name).

    Returns:
        A figure with one panel for the losses and one for every other metric.
    """
    names = sorted(k for k in history if k not in SKIP and not k.startswith("val_"))
    losses = [n for n in names if n.endswith("loss")]
    others = [n for n in names if n not in losses]
    panels = [p for p in (losses, others) if p]
    figure = Figure(figsize=(4.5 * max(len(panels), 1), 3.4), dpi=80)
    figure.suptitle(title)
    for index, group in enumerate(panels, 1):
        axes = figure.add_subplot(1, len(panels), index)
        for name in group:
            for label in (name, f"val_{name}"):
                if label in history:
                    epochs, values = zip(*history[label])
                    axes.plot([e + 1 for e in epochs], values, marker=".", label=label,
                              linestyle="--" if label.startswith("val_") else "-")
        axes.set_xlabel("epoch")
        # At most five ticks an axis: making and drawing ticks was half of the figure's cost.
        axes.xaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        axes.yaxis.set_major_locator(MaxNLocator(nbins=4))
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small")
    # Fixed margins: tight_layout's extra draw pass was about 40% of the figure's cost.
    figure.subplots_adjust(left=0.14 / max(len(panels), 1), right=0.98, bottom=0.15, top=0.86, wspace=0.22)
    return figure
