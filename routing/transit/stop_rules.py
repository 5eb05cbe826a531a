"""GTFS ``pickup_type`` and ``drop_off_type``: where nobody boards or alights (1), and
where only on request (2: phone the agency, 3: tell the driver)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from routing.transit.validation import FeedReport


def examples(values) -> list[str]:
    return [str(value) for value in pd.unique(pd.Series(list(values)))[:5]]


def stop_rule(frame: pd.DataFrame, column: str, tag: str, report: FeedReport) -> np.ndarray:
    """``pickup_type``/``drop_off_type`` as int8 (empty: 0, regular); unknown values count as 0."""
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=np.int8)
    text = frame[column].astype(str).str.strip()
    valid = text.isin(["", "0", "1", "2", "3"]).to_numpy()
    if (~valid).any():
        report.add(
            "warning", tag, "stop_times.txt", f"bad_{column}",
            f"{column} not 0, 1, 2 or 3; taken as 0 (regular)",
            count=int((~valid).sum()), examples=examples(text[~valid]),
        )
    values = np.where(valid & (text.to_numpy() != ""), text.to_numpy(), "0")
    return values.astype(np.int8)


def report_stop_rules(table: pd.DataFrame, tag: str, report: FeedReport) -> None:
    """Count what the router honours: no boarding / no alighting, and stops on request."""
    pickup, drop_off = table["pickup"].to_numpy(), table["drop_off"].to_numpy()
    passing = (pickup == 1) & (drop_off == 1)
    counts = (
        ("passing_through", passing, "stop_times where the vehicle passes without stopping "
         "(pickup_type and drop_off_type 1): nobody boards or alights there"),
        ("no_pickup", (pickup == 1) & ~passing, "stop_times without boarding (pickup_type 1): alighting only"),
        ("no_drop_off", (drop_off == 1) & ~passing, "stop_times without alighting (drop_off_type 1): boarding only"),
        ("on_request", np.isin(pickup, (2, 3)) | np.isin(drop_off, (2, 3)),
         "stop_times on request (type 2 phone the agency, 3 tell the driver): used, and flagged"),
    )
    for code, mask, message in counts:
        if mask.any():
            report.add("info", tag, "stop_times.txt", code, message, count=int(mask.sum()),
                       examples=examples(table.loc[mask, "trip_id"]))
