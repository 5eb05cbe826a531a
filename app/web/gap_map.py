"""The gap page's report-ready PNG map (matplotlib), rendered for ``/coordinator/hiaten.png``."""

from __future__ import annotations

import io

from app.domain.gaps import need_label, profile_label


def render_gap_map(rows, regions, *, need: str, profile: str, estimated: bool, demo: bool, attribution: list[str]) -> bytes:
    """A report-ready PNG: choropleth of the share within reach, legend, scale bar, sources."""
    import geopandas as gpd
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frame = gpd.GeoDataFrame(
        [{"nis": r.nis, "share": r.share_within_reach * 100, "geometry": regions.by_nis(r.nis).geometry_metric} for r in rows],
        crs="EPSG:3812",
    )
    figure, axis = plt.subplots(figsize=(11, 7.5), dpi=120)
    frame.plot(column="share", ax=axis, cmap="RdYlGn", vmin=0, vmax=100, edgecolor="#333", linewidth=0.4,
               legend=True, legend_kwds={"label": "% van de inwoners binnen bereik", "shrink": 0.6})
    for _, row in frame.iterrows():
        point = row.geometry.representative_point()
        axis.annotate(f"{row.share:.0f}%", (point.x, point.y), ha="center", fontsize=6, color="#111")
    # scale bar: 10 km in metres (EPSG:3812 is metric)
    xmin, ymin, xmax, ymax = frame.total_bounds
    x0, y0 = xmin + (xmax - xmin) * 0.03, ymin + (ymax - ymin) * 0.04
    axis.plot([x0, x0 + 10_000], [y0, y0], color="black", linewidth=3)
    axis.text(x0 + 5_000, y0 + (ymax - ymin) * 0.015, "10 km", ha="center", fontsize=8)
    title = f"{need_label(need)}: bereikbaar {profile_label(profile).lower()}"
    axis.set_title(title + (" (geschatte reistijden)" if estimated else ""), fontsize=12)
    axis.set_axis_off()
    notes = ["Bronnen: " + "; ".join(attribution)] if attribution else []
    if demo:
        notes.insert(0, "DEMONSTRATIEDATA: de diensten op deze kaart zijn verzonnen.")
    figure.text(0.01, 0.01, "\n".join(notes), fontsize=6, va="bottom", wrap=True)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()
