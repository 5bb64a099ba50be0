"""Metric and results tables: sorted, aligned, as many decimals as needed."""

from adbench.tables import format_metrics_table, format_table


def test_table_sorted_aligned_four_decimals() -> None:
    table = format_metrics_table({"pixel_auroc": 0.971234, "image_auroc": 1, "x": float("nan")})
    lines = table.splitlines()
    assert lines[0].split("|")[1].strip() == "metric"
    assert [line.split("|")[1].strip() for line in lines[2:]] == ["image_auroc", "pixel_auroc", "x"]
    assert [line.split("|")[2].strip() for line in lines[2:]] == ["1.0000", "0.9712", "nan"]
    assert len({len(line) for line in lines}) == 1  # aligned columns
    assert table == format_metrics_table(
        {"x": float("nan"), "image_auroc": 1, "pixel_auroc": 0.971234}
    )


def test_table_title_and_escaping() -> None:
    table = format_metrics_table({"a|b": 0.5}, title="bottle")
    assert table.startswith("### bottle\n\n| metric")
    assert "a\\|b" in table


def test_each_float_column_gets_the_decimals_it_needs() -> None:
    table = format_table(["a", "b", "c"], [[14.3, 0.9225, 3], [100.0, 0.9, 12]])
    rows = [[cell.strip() for cell in line.split("|")[1:-1]] for line in table.splitlines()[2:]]
    assert rows == [["14.3", "0.9225", "3"], ["100.0", "0.9000", "12"]]
